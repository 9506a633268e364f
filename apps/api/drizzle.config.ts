import { defineConfig } from 'drizzle-kit';

// Generating and checking migrations needs no database; `npm run db:migrate` applies them.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/platform/db/schema.ts',
  out: './drizzle',
  casing: 'snake_case',
});
