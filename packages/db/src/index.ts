export * from './schema.ts';
export * from './create-db.ts';
export * from './migrate.ts';
