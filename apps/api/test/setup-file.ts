import { afterAll } from 'vitest';
import { closeAll } from './helpers/setup.js';

afterAll(closeAll);
