export * from './admin.js';
export * from './api-keys.js';
export * from './errors.js';
export * from './habits.js';
export * from './health.js';
export * from './pagination.js';
export * from './users.js';
