/**
 * The shape of the stack configuration (keys under `nocobase-platform:`), field by field. This is
 * the contract of the stack file: extend it, never rename a key. Rules that span fields (names that
 * must exist, be unique, or depend on the mode) are in `validate.ts`.
 */
import { DEFAULTS } from "../core/defaults";
import {
    DNS_LABEL,
    ENVIRONMENT_NAME,
    HOST,
    HOSTNAME,
    IMAGE,
    NOCOBASE_RELEASE,
    PG_IDENTIFIER,
    PG_RESERVED,
    RUNTIME_NAME,
    TAGGED_IMAGE,
    APP_ID,
    pgSystemNameProblem,
} from "../core/identifiers";
import {
    APP_STATES,
    DATABASE_MODES,
    JWT_SECRET_MODES,
    MODES,
    SSL_MODES,
    START_MODES,
    SUPERVISORS,
} from "../core/modes";
import * as s from "./schemaLanguage";

const reservedWords = (what: string) =>
    Object.fromEntries(PG_RESERVED.map((w) => [w, `is a reserved word in PostgreSQL and cannot be ${what}`]));
/** The pattern's hint cannot say which rule of a host name failed; a long label is the one that surprises. */
const labelLength = (value: string) => {
    const long = value.split(".").find((label) => label.length > 63);
    return long === undefined
        ? undefined
        : `labels (the parts between dots) are at most 63 characters, one has ${long.length}`;
};
/**
 * Characters that change how the text around them reads: controls (NUL, newlines, escapes), line
 * and paragraph separators, lone surrogates, and bidirectional overrides.
 */
const CONTROL_CHARACTER = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const noControlCharacter = (value: string) => {
    const found = CONTROL_CHARACTER.exec(value);
    if (!found) return undefined;
    return `must not hold control characters (U+${found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")} at position ${found.index})`;
};
/** Patterns admit the shape; `new URL` decides, so that every accepted URL parses later too. */
const parsesAsUrl = (value: string) => (URL.canParse(value) ? undefined : "is not a valid URL");
/** The Docker host reaches provider config and logs in plain text; ssh:// authenticates with keys, so a password has no place in it. */
const dockerHostUrl = (value: string) =>
    parsesAsUrl(value) ??
    (new URL(value).password ? "must not carry a password (ssh:// authenticates with keys)" : undefined);
/**
 * Host names the regular expressions admit but nothing resolves: an all-numeric name is an IPv4
 * address or nothing, and a DNS name never ends in a number (`999.999.999.999`, `a.10`).
 */
const hostCheck = (allowIp: boolean) => (value: string) => {
    const labels = value.split(".");
    if (labels.every((l) => /^\d+$/.test(l))) {
        if (!allowIp) return "must be a DNS name, not a number";
        return labels.length === 4 && labels.every((l) => Number(l) <= 255) ? undefined : "is not a valid IPv4 address";
    }
    return /^\d+$/.test(labels[labels.length - 1]) ? "must end in a name, not a number" : undefined;
};
const serverHost = hostCheck(true);
const domainName = hostCheck(false);

/** An http(s) URL that ends up in a plain environment variable or a log line: no user:password@ in it. */
const plainHttpUrl = (value: string) => {
    if (!URL.canParse(value)) return "is not a valid URL";
    const url = new URL(value);
    if (url.username || url.password) return "must not carry credentials (user:password@)";
    if (!HOST.test(url.hostname))
        return `must name a host (a DNS name or IPv4 address), not ${JSON.stringify(url.hostname)}`;
    return serverHost(url.hostname);
};

const floatingTag =
    "must be a pinned version like 2.2.15 (a floating tag or a pre-release changes under a running platform)";

export const platformSchema = s.object(
    {
        mode: s.oneOf(
            MODES,
            "shared-memory: one NocoBase process hosts every app; multi-environment: an entry app supervises worker environments.",
        ),
        nocobaseVersion: s.string({
            description: "The NocoBase release, pinned (image tag and npm version), e.g. 2.2.15.",
            pattern: NOCOBASE_RELEASE,
            patternHint: floatingTag,
            reject: { latest: floatingTag, beta: floatingTag, alpha: floatingTag },
        }),
        image: s.optional(
            s.string({
                description: "Image repository without a tag (the tag is nocobaseVersion). Default nocobase/nocobase.",
                pattern: IMAGE,
                patternHint: "must be an image repository without a tag or digest, e.g. nocobase/nocobase",
            }),
        ),
        supervisor: s.optional(
            s.oneOf(
                SUPERVISORS,
                "Which NocoBase API manages apps: applications (open-source multi-app manager) or app-supervisor (commercial). Default: applications in shared-memory mode, app-supervisor in multi-environment mode.",
            ),
        ),
        adminEmail: s.optional(
            s.string({
                description: "The root account of every NocoBase instance. Default admin@nocobase.com.",
                pattern: /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/,
                patternHint: "must be an e-mail address",
            }),
        ),
    },
    "The platform as a whole.",
);

const dockerRuntime = s.object({
    type: s.oneOf(["docker"] as const),
    host: s.optional(
        s.string({
            description: "Docker daemon address (unix://, tcp:// or ssh://). Default: the local engine.",
            pattern: /^(unix|tcp|ssh|npipe):\/\/\S+$/,
            patternHint: "must be a Docker host URL such as unix:///var/run/docker.sock or ssh://user@host",
            check: dockerHostUrl,
        }),
    ),
});

const kubernetesRuntime = s.object({
    type: s.oneOf(["kubernetes"] as const),
    context: s.optional(
        s.string({
            description: "kubeconfig context of the cluster. Default: the current context.",
            precheck: noControlCharacter,
            pattern: /^\S+$/,
            patternHint: "must not contain spaces",
        }),
    ),
    namespace: s.string({
        description: "Namespace for NocoBase workloads (created by the stack).",
        pattern: DNS_LABEL,
        patternHint: "must be a DNS label (lower-case letters, digits and -)",
    }),
    ingressClass: s.optional(
        s.string({
            description: "IngressClass for public routes. Default nginx.",
            pattern: DNS_LABEL,
            patternHint: "must be a DNS label",
        }),
    ),
    clusterIssuer: s.optional(
        s.string({
            description: "cert-manager ClusterIssuer that signs TLS certificates for domains.",
            pattern: DNS_LABEL,
            patternHint: "must be a DNS label",
        }),
    ),
    storageClass: s.optional(
        s.string({
            description: "StorageClass of the storage volumes. Default: the cluster default.",
            pattern: DNS_LABEL,
            patternHint: "must be a DNS label",
        }),
    ),
});

export const runtimeSchema = s.tagged<s.Infer<typeof dockerRuntime> | s.Infer<typeof kubernetesRuntime>>(
    "type",
    { docker: dockerRuntime, kubernetes: kubernetesRuntime },
    "Where workloads run: a Docker engine or a Kubernetes cluster.",
);

function taggedImage(description: string) {
    return s.optional(
        s.string({
            description,
            pattern: TAGGED_IMAGE,
            patternHint: "must be an image with a pinned tag, e.g. postgres:16.10 (not latest, not untagged)",
        }),
    );
}

function pgIdentifier(what: string) {
    return {
        pattern: PG_IDENTIFIER,
        patternHint: "must be a PostgreSQL identifier ([a-z_][a-z0-9_]*, at most 63)",
        reject: reservedWords(what),
    };
}

const tenantsDatabase = s.optional(
    s.string({
        description: "Database holding the schemas of schema-mode apps. Default nocobase_tenants.",
        ...pgIdentifier("a database name"),
        check: pgSystemNameProblem,
    }),
);

const postgresContainer = s.object({
    runtime: s.string({
        description: "Docker runtime that runs PostgreSQL in a container.",
        pattern: RUNTIME_NAME,
        patternHint: "must be a runtime name",
    }),
    port: s.optional(
        s.integer(
            1,
            65535,
            "Port published on the Docker host, through which `pulumi up` manages roles and databases. Default 5432.",
        ),
    ),
    image: taggedImage(
        `Image of the container, with its tag (a private registry's copy, or a local build). Default ${DEFAULTS.postgresImage}.`,
    ),
    tenantsDatabase,
});

const postgresExternal = s.object({
    host: s.string({
        description: "PostgreSQL server address.",
        pattern: HOST,
        patternHint: "must be a host name or IPv4 address",
        check: serverHost,
    }),
    port: s.optional(s.integer(1, 65535, "Default 5432.")),
    adminUser: s.string({
        description: "A role with CREATEROLE and CREATEDB.",
        pattern: /^[A-Za-z_][A-Za-z0-9_@.-]{0,62}$/,
        patternHint: "must be a PostgreSQL role name",
    }),
    adminPassword: s.secret("Password of adminUser."),
    sslMode: s.optional(s.oneOf(SSL_MODES, "Default require.")),
    tenantsDatabase,
});

export const postgresSchema = s.variants<s.Infer<typeof postgresContainer> | s.Infer<typeof postgresExternal>>(
    (raw) =>
        "runtime" in raw
            ? postgresContainer
            : "host" in raw
              ? postgresExternal
              : "expected either runtime (a container) or host (an external server)",
    [postgresContainer, postgresExternal],
    "The PostgreSQL server for the entry app, environments and tenants.",
);

const redisContainer = s.object({
    runtime: s.string({
        description: "Docker runtime that runs Redis in a container.",
        pattern: RUNTIME_NAME,
        patternHint: "must be a runtime name",
    }),
    image: taggedImage(`Image of the container, with its tag. Default ${DEFAULTS.redisImage}.`),
});
const redisUrlProblem = (url: string) =>
    /^rediss?:\/\/\S+$/.test(url) && URL.canParse(url) ? undefined : "must be a redis:// or rediss:// URL";
const redisExternal = s.object({
    url: s.secretWhenCredentials("redis:// or rediss:// URL, with its password if any.", redisUrlProblem),
});

export const redisSchema = s.variants<s.Infer<typeof redisContainer> | s.Infer<typeof redisExternal>>(
    (raw) =>
        "runtime" in raw
            ? redisContainer
            : "url" in raw
              ? redisExternal
              : "expected either runtime (a container) or url (an external server)",
    [redisContainer, redisExternal],
    "Redis: the supervisor's config cache and command channel (multi-environment mode only).",
);

const replicas = s.optional(s.integer(1, 20, "NocoBase replicas (Kubernetes only; Docker runs one). Default 1."));

export const entrySchema = s.object(
    {
        runtime: s.string({
            description: "Runtime of the entry app.",
            pattern: RUNTIME_NAME,
            patternHint: "must be a runtime name",
        }),
        domain: s.optional(
            s.string({
                description: "Public host name of the entry app.",
                precheck: labelLength,
                pattern: HOSTNAME,
                patternHint: "must be a lower-case host name such as apps.example.com",
                check: domainName,
            }),
        ),
        replicas,
        port: s.optional(s.integer(1, 65535, "Docker only: host port that publishes the entry app. Default 13000.")),
        apiUrl: s.optional(
            s.string({
                description:
                    "Where `pulumi up` reaches the entry app's API. Default: https://<domain>, or http://<docker host>:<port>.",
                pattern: /^https?:\/\/[^\s/]+(\/\S*)?$/,
                patternHint: "must be an http(s) URL",
                check: plainHttpUrl,
            }),
        ),
    },
    "The entry application: the control plane that registers and supervises apps.",
);

export const environmentSchema = s.object({
    name: s.string({
        description: "ENVIRONMENT_NAME of the worker; also names its database nocobase_env_<name>.",
        pattern: ENVIRONMENT_NAME,
        patternHint: "must match ^[a-z][a-z0-9_]*$",
        maxLength: 50,
    }),
    runtime: s.string({
        description: "Runtime of this environment's worker.",
        pattern: RUNTIME_NAME,
        patternHint: "must be a runtime name",
    }),
    replicas,
    url: s.optional(
        s.string({
            description:
                "ENVIRONMENT_URL: where the entry app reaches this worker. Required when the worker runs on another runtime than the entry app.",
            pattern: /^https?:\/\/[^\s/]+(\/\S*)?$/,
            patternHint: "must be an http(s) URL",
            check: plainHttpUrl,
        }),
    ),
});

const databaseSchema = s.object({
    mode: s.oneOf(
        DATABASE_MODES,
        "database: own database; schema: own schema in the tenants database; connection: an existing external database.",
    ),
    host: s.optional(
        s.string({
            description: "connection mode: server address.",
            pattern: HOST,
            patternHint: "must be a host name or IPv4 address",
            check: serverHost,
        }),
    ),
    port: s.optional(s.integer(1, 65535, "connection mode: server port. Default 5432.")),
    user: s.optional(
        s.string({ description: "The app's login role. Default: the app id.", ...pgIdentifier("a role name") }),
    ),
    password: s.optional(s.secret("connection mode: password of user.")),
    database: s.optional(
        s.string({
            description: "Database name. Default: the app id (database mode).",
            ...pgIdentifier("a database name"),
        }),
    ),
    schema: s.optional(
        s.string({ description: "Schema name. Default: the app id (schema mode).", ...pgIdentifier("a schema name") }),
    ),
});

export const appSchema = s.object({
    id: s.string({
        description:
            "NocoBase app name: URL path /apps/<id>/, database and role name. Never change it: it identifies the tenant.",
        pattern: APP_ID,
        patternHint: "must match ^[a-z][a-z0-9_]{0,62}$",
        reject: {
            main: "is reserved for the entry app",
            ...reservedWords("an app id (it names its database, schema and role)"),
        },
        check: pgSystemNameProblem,
    }),
    displayName: s.string({
        description: "Name shown in NocoBase; safe to change.",
        precheck: noControlCharacter,
        pattern: /\S/u,
        patternHint: "must not be empty",
        maxLength: 200,
    }),
    environment: s.optional(
        s.string({
            description: "Environment that runs the app. Default: local (shared-memory) or the first environment.",
            pattern: ENVIRONMENT_NAME,
            patternHint: "must match ^[a-z][a-z0-9_]*$",
        }),
    ),
    database: databaseSchema,
    startMode: s.optional(
        s.oneOf(
            START_MODES,
            "first-visit: start on the first request; with-main: start with the entry app. Default first-visit.",
        ),
    ),
    state: s.optional(
        s.oneOf(
            APP_STATES,
            "Desired state. Default running. decommissioned: unregister the app and dump its data to backups.location; the data stays unless dropData is true.",
        ),
    ),
    dropData: s.optional(
        s.boolean(
            "With state decommissioned: drop the app's database or schema and role, after its dump exists. Default false.",
        ),
    ),
    jwtSecret: s.optional(
        s.oneOf(
            JWT_SECRET_MODES,
            "independent: own session secret; shared: accept the entry app's tokens. Default independent.",
        ),
    ),
    acknowledgeSharedSessions: s.optional(
        s.boolean(
            "With jwtSecret shared: the app's owners accept that the entry app's users are signed in to it (policies refuse shared sessions in production otherwise).",
        ),
    ),
    domain: s.optional(
        s.string({
            description: "Custom domain (NocoBase cname).",
            precheck: labelLength,
            pattern: HOSTNAME,
            patternHint: "must be a lower-case host name such as crm.example.com",
            check: domainName,
        }),
    ),
    upgrade: s.optional(s.boolean("Upgrade the app's data when NocoBase is upgraded. Default true.")),
});

/** Every top-level key, in the order they are validated and documented. */
export const stackConfigSchema = {
    platform: { schema: platformSchema, required: true },
    runtimes: {
        schema: s.record(
            RUNTIME_NAME,
            "runtime names must match ^[a-z][a-z0-9-]{0,30}$",
            runtimeSchema,
            "Named places where workloads run.",
        ),
        required: true,
    },
    postgres: { schema: postgresSchema, required: true },
    redis: { schema: redisSchema, required: false },
    entry: { schema: entrySchema, required: true },
    environments: {
        schema: s.list(environmentSchema, 100, "Runtime environments (multi-environment mode only)."),
        required: false,
    },
    apps: { schema: s.list(appSchema, 5000, "Tenant apps."), required: true },
    backups: {
        schema: s.object(
            {
                location: s.string({
                    description:
                        "Directory, on the machine that runs `pulumi up`, where pg_dump writes a decommissioned app's dump.",
                    precheck: noControlCharacter,
                    pattern: /^(\/|\.\/|\.\.\/)/,
                    patternHint: "must be a directory path starting with /, ./ or ../",
                }),
            },
            "Where decommissioned apps are backed up. Required once an app is decommissioned.",
        ),
        required: false,
    },
} as const;

export type StackConfigKey = keyof typeof stackConfigSchema;
export const STACK_CONFIG_KEYS = Object.keys(stackConfigSchema) as StackConfigKey[];

export type RawPostgres = s.Infer<typeof postgresSchema>;
export type RawEntry = s.Infer<typeof entrySchema>;
export type RawApp = s.Infer<typeof appSchema>;

/**
 * JSON Schema (draft 2020-12) of a stack file, for editors: `stacks/stack.schema.json` is written
 * from this and a test keeps the two equal.
 */
export function stackFileJsonSchema(project: string): Record<string, unknown> {
    const properties: Record<string, unknown> = {};
    const required: string[] = [];
    for (const key of STACK_CONFIG_KEYS) {
        properties[`${project}:${key}`] = stackConfigSchema[key].schema.jsonSchema();
        if (stackConfigSchema[key].required) required.push(`${project}:${key}`);
    }
    return {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        title: `Pulumi stack file of ${project}`,
        type: "object",
        properties: {
            secretsprovider: { type: "string" },
            encryptedkey: { type: "string" },
            encryptionsalt: { type: "string" },
            config: {
                type: "object",
                properties,
                required,
                // Keys of other namespaces (docker:host, kubernetes:context, ...) are the providers' business.
                patternProperties: { [`^(?!${project}:)`]: {} },
                additionalProperties: false,
            },
        },
        required: ["config"],
    };
}
