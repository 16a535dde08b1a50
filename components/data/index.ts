/** The platform's data services: PostgreSQL, Redis, and the databases and schemas it owns. */
export * from "./postgresServer";
export * from "./redisServer";
export * from "./sharedTenantsDatabase";
export * from "./tenantDatabase";
