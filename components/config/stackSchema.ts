/**
 * The shape of the stack configuration (keys under `nocobase-platform:`), field by field, as zod
 * schemas: the validator and the editor schema (`stacks/stack.schema.json`) are both made from it.
 * This is the contract of the stack file: extend it, never rename a key. Rules that span fields
 * (names that must exist, be unique, or depend on the mode) are in `rules.ts`.
 */
import { z } from "zod";
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
import { APP_STATES, JWT_SECRET_MODES, MODES, RETIRED_STATE, SSL_MODES, START_MODES, SUPERVISORS } from "../core/modes";
import * as s from "./schemaParts";
import { describe } from "./messages";

/** Where the reserved-word list sits in the editor schema: once, however many names it guards. */
const PG_RESERVED_DEF = "pgReservedWord";
const PG_RESERVED_REF = { $ref: `#/$defs/${PG_RESERVED_DEF}` };

const reservedWords = (what: string) => ({
    words: Object.fromEntries(PG_RESERVED.map((w) => [w, `is a reserved word in PostgreSQL and cannot be ${what}`])),
    jsonSchema: PG_RESERVED_REF,
});
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
    if (!HOST.test(url.hostname)) return `must name a host (a DNS name or IPv4 address), not ${describe(url.hostname)}`;
    return serverHost(url.hostname);
};

const floatingTag =
    "must be a pinned version like 2.2.15 (a floating tag or a pre-release changes under a running platform)";

export const platformSchema = s.closed(
    {
        mode: s.oneOf(MODES, {
            description:
                "shared-memory: one NocoBase process hosts every app; multi-environment: an entry app supervises worker environments.",
        }),
        nocobaseVersion: s.text({
            description: "The NocoBase release, pinned (image tag and npm version), e.g. 2.2.15.",
            pattern: NOCOBASE_RELEASE,
            hint: floatingTag,
            reject: { words: { latest: floatingTag, beta: floatingTag, alpha: floatingTag } },
        }),
        image: s
            .text({
                description: "Image repository without a tag (the tag is nocobaseVersion).",
                default: DEFAULTS.image,
                pattern: IMAGE,
                hint: "must be an image repository without a tag or digest, e.g. nocobase/nocobase",
            })
            .optional(),
        supervisor: s
            .oneOf(SUPERVISORS, {
                description:
                    "Which NocoBase API manages apps: applications (open-source multi-app manager) or app-supervisor (commercial). Default: applications in shared-memory mode, app-supervisor in multi-environment mode.",
            })
            .optional(),
        adminEmail: s
            .text({
                description: "The root account of every NocoBase instance.",
                default: DEFAULTS.adminEmail,
                pattern: /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/,
                hint: "must be an e-mail address",
            })
            .optional(),
    },
    "The platform as a whole.",
);

const runtimeName = (description: string) =>
    s.text({ description, pattern: RUNTIME_NAME, hint: "must be a runtime name" });

const dnsLabel = (description: string, extra: Partial<Parameters<typeof s.text>[0]> = {}) =>
    s.text({ description, pattern: DNS_LABEL, hint: "must be a DNS label", ...extra }).optional();

const dockerRuntime = z.strictObject({
    type: z.literal("docker"),
    host: s
        .text({
            description: "Docker daemon address (unix://, tcp:// or ssh://). Default: the local engine.",
            pattern: /^(unix|tcp|ssh|npipe):\/\/\S+$/,
            hint: "must be a Docker host URL such as unix:///var/run/docker.sock or ssh://user@host",
            check: dockerHostUrl,
        })
        .optional(),
});

const kubernetesRuntime = z.strictObject({
    type: z.literal("kubernetes"),
    context: s
        .text({
            description: "kubeconfig context of the cluster. Default: the current context.",
            precheck: noControlCharacter,
            pattern: /^\S+$/,
            hint: "must not contain spaces",
        })
        .optional(),
    namespace: s.text({
        description: "Namespace for NocoBase workloads (created by the stack).",
        pattern: DNS_LABEL,
        hint: "must be a DNS label (lower-case letters, digits and -)",
    }),
    ingressClass: dnsLabel("IngressClass for public routes.", { default: DEFAULTS.ingressClass }),
    clusterIssuer: dnsLabel("cert-manager ClusterIssuer that signs TLS certificates for domains."),
    storageClass: dnsLabel("StorageClass of the storage volumes. Default: the cluster default."),
});

export const runtimeSchema = s.tagged("type", [dockerRuntime, kubernetesRuntime], {
    description: "Where workloads run: a Docker engine or a Kubernetes cluster.",
});

const taggedImage = (description: string, image: string) =>
    s
        .text({
            description,
            default: image,
            pattern: TAGGED_IMAGE,
            hint: "must be an image with a pinned tag, e.g. postgres:16.10 (not latest, not untagged)",
        })
        .optional();

function pgIdentifier(what: string) {
    return {
        pattern: PG_IDENTIFIER,
        hint: "must be a PostgreSQL identifier ([a-z_][a-z0-9_]*, at most 63)",
        reject: reservedWords(what),
    };
}

const port = (description: string) => s.integer(1, 65535, { description, default: DEFAULTS.postgresPort }).optional();

const tenantsDatabase = () =>
    s
        .text({
            description: "Database holding the schemas of schema-mode apps.",
            default: DEFAULTS.tenantsDatabase,
            ...pgIdentifier("a database name"),
            check: pgSystemNameProblem,
        })
        .optional();

const postgresContainer = s.closed({
    runtime: runtimeName("Docker runtime that runs PostgreSQL in a container."),
    port: port("Port published on the Docker host, through which `pulumi up` manages roles and databases."),
    image: taggedImage(
        "Image of the container, with its tag (a private registry's copy, or a local build).",
        DEFAULTS.postgresImage,
    ),
    tenantsDatabase: tenantsDatabase(),
});

const postgresExternal = s.closed({
    host: s.text({
        description: "PostgreSQL server address.",
        pattern: HOST,
        hint: "must be a host name or IPv4 address",
        check: serverHost,
    }),
    port: port("Server port."),
    adminUser: s.text({
        description: "A role with CREATEROLE and CREATEDB.",
        pattern: /^[A-Za-z_][A-Za-z0-9_@.-]{0,62}$/,
        hint: "must be a PostgreSQL role name",
    }),
    adminPassword: s.secret("Password of adminUser."),
    sslMode: s.oneOf(SSL_MODES, { default: DEFAULTS.sslMode }).optional(),
    tenantsDatabase: tenantsDatabase(),
});

export const postgresSchema = s.keyed(
    [postgresContainer, postgresExternal],
    ["runtime", "host"],
    "expected either runtime (a container) or host (an external server)",
    "The PostgreSQL server for the entry app, environments and tenants.",
);

const redisContainer = s.closed({
    runtime: runtimeName("Docker runtime that runs Redis in a container."),
    image: taggedImage("Image of the container, with its tag.", DEFAULTS.redisImage),
});
const redisUrlProblem = (url: string) =>
    /^rediss?:\/\/\S+$/.test(url) && URL.canParse(url) ? undefined : "must be a redis:// or rediss:// URL";
const redisExternal = s.closed({
    url: s.secretWhenCredentials("redis:// or rediss:// URL, with its password if any.", redisUrlProblem),
});

export const redisSchema = s.keyed(
    [redisContainer, redisExternal],
    ["runtime", "url"],
    "expected either runtime (a container) or url (an external server)",
    "Redis: the supervisor's config cache and command channel (multi-environment mode only).",
);

const replicas = () =>
    s
        .integer(1, 20, {
            description: "NocoBase replicas (Kubernetes only; Docker runs one).",
            default: DEFAULTS.replicas,
        })
        .optional();

const httpUrl = (description: string) =>
    s
        .text({
            description,
            pattern: /^https?:\/\/[^\s/]+(\/\S*)?$/,
            hint: "must be an http(s) URL",
            check: plainHttpUrl,
        })
        .optional();

const domain = (description: string, example: string) =>
    s
        .text({
            description,
            precheck: labelLength,
            pattern: HOSTNAME,
            hint: `must be a lower-case host name such as ${example}`,
            check: domainName,
        })
        .optional();

const entryRun = s.closed({
    // Named, so that a stack file with both keys is told which one excludes the other (see entryAdopted).
    external: s.refused("not with entry.runtime: the entry app is either run by this stack or adopted").optional(),
    runtime: runtimeName("Runtime of the entry app."),
    domain: domain("Public host name of the entry app.", "apps.example.com"),
    replicas: replicas(),
    port: s
        .integer(1, 65535, {
            description: "Docker only: host port that publishes the entry app.",
            default: DEFAULTS.entryPort,
        })
        .optional(),
    apiUrl: httpUrl(
        "Where `pulumi up` reaches the entry app's API. Default: https://<domain>, or http://<docker host>:<port>.",
    ),
});

/** What only a workload this stack runs has: an adopted NocoBase is placed, named and published by its owners. */
const notAdopted = () =>
    s.refused("not with entry.external (the adopted NocoBase runs elsewhere, at external.url)").optional();

const entryAdopted = s.closed({
    external: s.closed(
        {
            url: s.text({
                description:
                    "Base URL of the adopted NocoBase (without /api), where `pulumi up` reaches its API and people its apps.",
                pattern: /^https?:\/\/[^\s/]+(\/\S*)?$/,
                hint: "must be an http(s) URL",
                check: plainHttpUrl,
            }),
            apiKey: s.secret("An API key of a root user of that NocoBase (its API keys plugin)."),
        },
        "An existing NocoBase adopted as the entry app: no workload, database or secret is made for it.",
    ),
    runtime: notAdopted(),
    domain: notAdopted(),
    replicas: notAdopted(),
    port: notAdopted(),
    apiUrl: notAdopted(),
});

export const entrySchema = s.keyed(
    [entryAdopted, entryRun],
    ["external", "runtime"],
    "expected either runtime (the stack runs the entry app) or external (an existing NocoBase it adopts)",
    "The entry application: the control plane that registers and supervises apps.",
);

const environmentName = (extra: { description?: string; maxLength?: number } = {}) =>
    s.text({ ...extra, pattern: ENVIRONMENT_NAME, hint: `must match ${ENVIRONMENT_NAME.source}` });

export const environmentSchema = s.closed({
    name: environmentName({
        description: "ENVIRONMENT_NAME of the worker; also names its database nocobase_env_<name>.",
        maxLength: 50,
    }),
    runtime: runtimeName("Runtime of this environment's worker."),
    replicas: replicas(),
    url: httpUrl(
        "ENVIRONMENT_URL: where the entry app reaches this worker. Required when the worker runs on another runtime than the entry app.",
    ),
});

/** A name this stack creates: not one the server reserves or already has (a connection's may be). */
const ownedName = (what: string, description: string) =>
    s.text({ description, ...pgIdentifier(what), check: pgSystemNameProblem }).optional();
const connectionOnly = (mode: string) =>
    s.refused(`only for mode connection (mode ${mode} uses the platform's PostgreSQL)`).optional();
const ROLE = "The app's login role. Default: the app id.";
const REQUIRED_FOR_CONNECTION = "required for mode connection";

/** Every mode lists every key, in one order, so that an unknown key is named against all of them. */
const databaseMode = z.strictObject({
    mode: z.literal("database"),
    host: connectionOnly("database"),
    port: connectionOnly("database"),
    user: ownedName("a role name", ROLE),
    password: connectionOnly("database"),
    database: ownedName("a database name", "Database name. Default: the app id."),
    schema: s.refused("only for modes schema and connection").optional(),
});

const schemaMode = z.strictObject({
    mode: z.literal("schema"),
    host: connectionOnly("schema"),
    port: connectionOnly("schema"),
    user: ownedName("a role name", ROLE),
    password: connectionOnly("schema"),
    // Refused by a rule, whose message names postgres.tenantsDatabase as configured; editors refuse it outright.
    database: ownedName("a database name", "Not in schema mode: every schema is in postgres.tenantsDatabase.").meta({
        not: {},
    }),
    schema: ownedName("a schema name", "Schema name. Default: the app id."),
});

const connectionMode = z.strictObject({
    mode: z.literal("connection"),
    host: s.text({
        description: "Server address.",
        pattern: HOST,
        hint: "must be a host name or IPv4 address",
        check: serverHost,
        absent: REQUIRED_FOR_CONNECTION,
    }),
    port: port("Server port."),
    user: s.text({ description: "Login role.", ...pgIdentifier("a role name"), absent: REQUIRED_FOR_CONNECTION }),
    password: s.secret("Password of user.", REQUIRED_FOR_CONNECTION),
    database: s.text({
        description: "Database name.",
        ...pgIdentifier("a database name"),
        absent: REQUIRED_FOR_CONNECTION,
    }),
    schema: s.text({ description: "Schema name. Default: public.", ...pgIdentifier("a schema name") }).optional(),
});

export const databaseSchema = s.tagged("mode", [databaseMode, schemaMode, connectionMode], {
    description:
        "database: own database; schema: own schema in the tenants database; connection: an existing external database.",
    absent: "required",
});

/** The editor's view of the rules `dropDataNeedsDecommissioned` and `sharedSessionsNeedSharedSecret` (see `rules.ts`). */
const APP_EDITOR_RULES = {
    dependentSchemas: {
        dropData: { required: ["state"], properties: { state: { const: RETIRED_STATE } } },
    },
    if: { required: ["acknowledgeSharedSessions"], properties: { acknowledgeSharedSessions: { const: true } } },
    then: { required: ["jwtSecret"], properties: { jwtSecret: { const: "shared" } } },
};

export const appSchema = s
    .closed({
        id: s.text({
            description:
                "NocoBase app name: URL path /apps/<id>/, database and role name. Never change it: it identifies the tenant.",
            pattern: APP_ID,
            hint: `must match ${APP_ID.source}`,
            reject: {
                words: {
                    main: "is reserved for the entry app",
                    ...reservedWords("an app id (it names its database, schema and role)").words,
                },
                jsonSchema: { anyOf: [{ const: "main" }, PG_RESERVED_REF] },
            },
            check: pgSystemNameProblem,
        }),
        displayName: s.text({
            description: "Name shown in NocoBase; safe to change.",
            precheck: noControlCharacter,
            pattern: /\S/u,
            hint: "must not be empty",
            maxLength: 200,
        }),
        environment: environmentName({
            description: "Environment that runs the app. Default: local (shared-memory) or the first environment.",
        }).optional(),
        database: databaseSchema,
        startMode: s
            .oneOf(START_MODES, {
                description: "first-visit: start on the first request; with-main: start with the entry app.",
                default: DEFAULTS.startMode,
            })
            .optional(),
        state: s
            .oneOf(APP_STATES, {
                description:
                    "Desired state. decommissioned: unregister the app and dump its data to backups.location; the data stays unless dropData is true.",
                default: DEFAULTS.state,
            })
            .optional(),
        dropData: s
            .flag({
                description:
                    "With state decommissioned: drop the app's database or schema and role, after its dump exists.",
                default: DEFAULTS.dropData,
            })
            .optional(),
        jwtSecret: s
            .oneOf(JWT_SECRET_MODES, {
                description: "independent: own session secret; shared: accept the entry app's tokens.",
                default: DEFAULTS.jwtSecret,
            })
            .optional(),
        acknowledgeSharedSessions: s
            .flag({
                description:
                    "With jwtSecret shared: the app's owners accept that the entry app's users are signed in to it (policies refuse shared sessions in production otherwise).",
                default: DEFAULTS.acknowledgeSharedSessions,
            })
            .optional(),
        domain: domain("Custom domain (NocoBase cname).", "crm.example.com"),
        upgrade: s
            .flag({ description: "Upgrade the app's data when NocoBase is upgraded.", default: DEFAULTS.upgrade })
            .optional(),
        restoreFrom: s
            .text({
                description:
                    "A pg_dump -Fc file on the machine that runs `pulumi up`: the app's new storage is filled from it before the app is registered (checked against the SHA-256 beside it, when there is one). Storage that already holds data is never restored into.",
                precheck: noControlCharacter,
                pattern: /^\//,
                hint: "must be an absolute path to a pg_dump -Fc file",
            })
            .optional(),
    })
    .meta(APP_EDITOR_RULES);

export const backupsSchema = s.closed(
    {
        location: s.text({
            description:
                "Directory, on the machine that runs `pulumi up`, where pg_dump writes a decommissioned app's dump.",
            precheck: noControlCharacter,
            pattern: /^(\/|\.\/|\.\.\/)/,
            hint: "must be a directory path starting with /, ./ or ../",
        }),
    },
    "Where decommissioned apps are backed up. Required once an app is decommissioned.",
);

/** Every top-level key, in the order they are validated and documented. */
const STACK_CONFIG_SHAPE = {
    platform: platformSchema,
    runtimes: s.names(
        RUNTIME_NAME,
        "runtime names must match ^[a-z][a-z0-9-]{0,30}$",
        runtimeSchema,
        "Named places where workloads run.",
    ),
    postgres: postgresSchema,
    redis: redisSchema.optional(),
    entry: entrySchema,
    environments: s.list(environmentSchema, 100, "Runtime environments (multi-environment mode only).").optional(),
    apps: s.list(appSchema, 5000, "Tenant apps."),
    backups: backupsSchema.optional(),
};
export const stackConfigSchema = s.closed(STACK_CONFIG_SHAPE);

export type StackConfigKey = keyof typeof STACK_CONFIG_SHAPE;
export const STACK_CONFIG_KEYS = Object.keys(STACK_CONFIG_SHAPE) as StackConfigKey[];

/** The stack configuration as written, before defaults. */
export type RawStackConfig = z.output<typeof stackConfigSchema>;

/**
 * JSON Schema (draft 2020-12) of a stack file, for editors: `stacks/stack.schema.json` is written
 * from this and a test keeps the two equal.
 */
export function stackFileJsonSchema(project: string): Record<string, unknown> {
    const { $defs, properties, required } = z.toJSONSchema(stackConfigSchema, {
        target: "draft-2020-12",
        io: "input",
        override: s.editorView,
    }) as { $defs?: Record<string, unknown>; properties: Record<string, unknown>; required: string[] };
    const prefixed = (key: string) => `${project}:${key}`;
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
                properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [prefixed(k), v])),
                required: required.map(prefixed),
                // Keys of other namespaces (docker:host, kubernetes:context, ...) are the providers' business.
                patternProperties: { [`^(?!${project}:)`]: {} },
                additionalProperties: false,
            },
        },
        required: ["config"],
        $defs: { ...$defs, [PG_RESERVED_DEF]: { enum: [...PG_RESERVED] } },
    };
}
