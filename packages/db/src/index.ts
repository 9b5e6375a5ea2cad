export * from './schema.ts';
export * from './create-db.ts';
export * from './migrate.ts';
export * from './reference.ts';
export * from './audit.ts';
export * from './admin-units-qng.ts';
export * from './demo-seed.ts';
