/**
 * Every default of the stack file, in one table: the validator applies them, the editor schema
 * shows them (`default`), the providers fall back on them, the README documents them.
 */
/** PostgreSQL's own port: inside its container, and libpq's default everywhere else. */
export const POSTGRES_PORT = 5432;

export const DEFAULTS = {
    image: "nocobase/nocobase",
    adminEmail: "admin@nocobase.com",
    postgresImage: "postgres:16.10",
    redisImage: "redis:7.4.6",
    postgresPort: POSTGRES_PORT,
    sslMode: "require",
    tenantsDatabase: "nocobase_tenants",
    entryPort: 13000,
    replicas: 1,
    ingressClass: "nginx",
    startMode: "first-visit",
    state: "running",
    jwtSecret: "independent",
    acknowledgeSharedSessions: false,
    dropData: false,
    upgrade: true,
} as const;
