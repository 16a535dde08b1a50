// The one contract every supervisor adapter implements. Free of @pulumi/* on purpose: it runs in
// Pulumi's provider host from a bundle that may hold nothing but Node's built-ins.

/** NocoBase's `AppStatus` (core `app-supervisor/types.ts`). */
export type AppStatus =
    "preparing" | "initializing" | "initialized" | "running" | "commanding" | "stopped" | "error" | "not_found";

export const APP_STATUSES: readonly AppStatus[] = [
    "preparing",
    "initializing",
    "initialized",
    "running",
    "commanding",
    "stopped",
    "error",
    "not_found",
];

export interface DatabaseSpec {
    dialect: "postgres";
    host: string;
    port: number;
    username: string;
    password: string;
    database: string;
    /** Set: the app lives in this schema of `database`. Unset: it owns `database`. */
    schema?: string;
}

export interface AppSpec {
    id: string;
    displayName: string;
    cname?: string;
    environment?: string;
    /** NocoBase's start mode: true = start with the main app, false = start on first visit. */
    autoStart: boolean;
    /** Unset: the app accepts the entry app's sessions. */
    jwtSecret?: string;
    database: DatabaseSpec;
    upgrade?: boolean;
}

/** What NocoBase holds for an app, plus the live status. Carries secrets: never log or persist it. */
export interface AppRecord extends Omit<AppSpec, "database"> {
    database?: DatabaseSpec;
    status: AppStatus;
}

export interface SupervisorClient {
    /** Every app the entry app knows, across all pages. */
    list(): Promise<AppRecord[]>;
    /** The app with its live status, or undefined when the entry app does not know it. */
    get(id: string): Promise<AppRecord | undefined>;
    /** Registers the app; an app that already exists under this id is updated instead. */
    create(spec: AppSpec): Promise<AppRecord>;
    /** create(), telling whether the app was there before (adopted) or is new. */
    register(spec: AppSpec): Promise<{ record: AppRecord; adopted: boolean }>;
    update(id: string, spec: AppSpec): Promise<AppRecord>;
    /** Unregisters the app; its database or schema is left in place. False when it was not there. */
    destroy(id: string): Promise<boolean>;
    /** Asks for a start; returns before the app runs (see waitForStatus). */
    start(id: string): Promise<void>;
    stop(id: string): Promise<void>;
    /** Polls until the status is one of `wanted`; TimeoutError with the last status seen otherwise. */
    waitForStatus(id: string, wanted: AppStatus | AppStatus[], deadlineMs: number): Promise<AppRecord>;
    /** The NocoBase release the entry app runs, as it reports it (`app:getInfo`). */
    version(): Promise<string>;
    /** True when the entry app answers its health check with 200. */
    health(): Promise<boolean>;
    /** Polls health() until true or the deadline passes (TimeoutError). */
    waitForHealthy(deadlineMs: number): Promise<void>;
    /**
     * Polls the app's own health check until it answers 200. Such a request starts an app that is not
     * loaded, and it is the only proof of "running": the status in `list` can be stale (observed on
     * 2.2.15 after stop and after destroy).
     */
    waitForAppHealthy(id: string, deadlineMs: number): Promise<void>;
    /** One probe of the app's own health check (which starts the app when it is not loaded). */
    appHealthy(id: string): Promise<boolean>;
}

// Every error class names itself: bundling may rename a class (esbuild does on a clash of names),
// and the name is what reaches the user.
export class SupervisorError extends Error {
    readonly httpStatus?: number;
    readonly code?: string;
    constructor(message: string, httpStatus?: number, code?: string, name = "SupervisorError") {
        super(message);
        this.name = name;
        this.httpStatus = httpStatus;
        this.code = code;
    }
}

/** 401/403: retrying cannot help. `code` is NocoBase's, e.g. EMPTY_TOKEN or INVALID_TOKEN. */
export class AuthError extends SupervisorError {
    constructor(message: string, httpStatus?: number, code?: string) {
        super(message, httpStatus, code, "AuthError");
    }
}

/** The resource, action or app does not exist (a wrong adapter or a disabled plugin answer 404). */
export class NotFoundError extends SupervisorError {
    constructor(message: string, httpStatus?: number, code?: string) {
        super(message, httpStatus, code, "NotFoundError");
    }
}

/** NocoBase refused the request; the message quotes NocoBase's own. */
export class ValidationError extends SupervisorError {
    constructor(message: string, httpStatus?: number, code?: string) {
        super(message, httpStatus, code, "ValidationError");
    }
}

/** The server answered, but not with the JSON this client expects. */
export class ProtocolError extends SupervisorError {
    constructor(message: string, httpStatus?: number) {
        super(message, httpStatus, undefined, "ProtocolError");
    }
}

/** A wait gave up; `lastStatus` is what was seen last. */
export class TimeoutError extends SupervisorError {
    readonly lastStatus?: string;
    constructor(message: string, lastStatus?: string) {
        super(message, undefined, undefined, "TimeoutError");
        this.lastStatus = lastStatus;
    }
}

/**
 * A retryable failure that outlived its retries, or a write whose answer was lost
 * (`outcomeUnknown`: the server may have applied it; look before sending it again).
 */
export class TransientError extends SupervisorError {
    readonly attempts: number;
    readonly outcomeUnknown: boolean;
    constructor(message: string, attempts: number, httpStatus?: number, code?: string, outcomeUnknown = false) {
        super(message, httpStatus, code, "TransientError");
        this.attempts = attempts;
        this.outcomeUnknown = outcomeUnknown;
    }
}

export interface Timeouts {
    /** One HTTP exchange. */
    requestMs: number;
    /** One call including its retries. */
    callMs: number;
    /** Retries after the first attempt. */
    retries: number;
    /** Backoff base and cap (full jitter between 0 and min(cap, base * 2^attempt)). */
    backoffBaseMs: number;
    backoffCapMs: number;
    /** Interval between polls in waitForStatus / waitForHealthy. */
    pollMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
    requestMs: 15_000,
    callMs: 60_000,
    retries: 8,
    backoffBaseMs: 250,
    backoffCapMs: 5_000,
    pollMs: 1_000,
};
