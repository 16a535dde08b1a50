/**
 * The closed sets of words of the stack file and of NocoBase: each list is the one definition that
 * the schema, the types, the providers, the policies and the tests read.
 */

/** shared-memory: one NocoBase process hosts every app; multi-environment: a supervisor and workers. */
export const MODES = ["shared-memory", "multi-environment"] as const;
export type PlatformMode = (typeof MODES)[number];

/** The NocoBase API through which apps are managed: the open-source manager or the commercial App Supervisor. */
export const SUPERVISORS = ["applications", "app-supervisor"] as const;
export type Supervisor = (typeof SUPERVISORS)[number];

export const RUNTIME_TYPES = ["docker", "kubernetes"] as const;
export type RuntimeType = (typeof RUNTIME_TYPES)[number];

/** database: own database; schema: own schema in the tenants database; connection: an existing external database. */
export const DATABASE_MODES = ["database", "schema", "connection"] as const;
export type DatabaseMode = (typeof DATABASE_MODES)[number];

/** first-visit: NocoBase starts the app on its first request; with-main: with the entry app (NocoBase's `autoStart`). */
export const START_MODES = ["first-visit", "with-main"] as const;
export type StartMode = (typeof START_MODES)[number];

export const APP_STATES = ["running", "stopped", "decommissioned"] as const;
export type AppState = (typeof APP_STATES)[number];
/** The state in which an app is unregistered and its data dumped: nothing of it runs any more. */
export const RETIRED_STATE = "decommissioned" satisfies AppState;

/** independent: the app signs its own sessions; shared: it accepts the entry app's tokens. */
export const JWT_SECRET_MODES = ["independent", "shared"] as const;
export type JwtSecretMode = (typeof JWT_SECRET_MODES)[number];

/** libpq's `sslmode` values this platform accepts (the weaker `allow` and `prefer` are left out). */
export const SSL_MODES = ["disable", "require", "verify-ca", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** Whether a word is one of a closed set, as a type guard. */
export function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
    return typeof value === "string" && (values as readonly string[]).includes(value);
}
