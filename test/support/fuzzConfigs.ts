/**
 * Mutated stack configurations for the property-based tests of validation, and the strict rules an
 * accepted configuration's identifiers are held to. The rules are written here, independently of
 * the config schema's patterns, so that a pattern too loose in the schema shows up as a finding.
 */
import fc from "fast-check";
import { Document, YAMLMap, YAMLSeq, isMap, isSeq } from "yaml";
import { PROJECT } from "../../components/core/project";
import type { PlatformConfig } from "../../components/config/types";
import { STACK_CONFIG_KEYS, stackFileJsonSchema } from "../../components/config/stackSchema";
import { DEFAULTS } from "../../components/core/defaults";
import { entryHostName, environmentDatabase, namePrefix, workerHostName } from "../../components/platform/naming";
import { ENTRY_DATABASE, TENANTS_GROUP_ROLE } from "../../components/core/identifiers";
import { at as itemPath, isPlainObject, join } from "../../components/core/keyPath";
import type { StackConfigInput } from "../../components/config/validate";

/** PostgreSQL 15 keywords that cannot be a table, schema or role name unquoted (pg_get_keywords(), categories R and T). */
export const PG_RESERVED = new Set(
    (
        "all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation column concurrently " +
        "constraint create cross current_catalog current_date current_role current_schema current_time current_timestamp current_user default " +
        "deferrable desc distinct do else end except false fetch for foreign freeze from full grant group having ilike in initially inner " +
        "intersect into is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on only or order " +
        "outer overlaps placing primary references returning right select session_user similar some symmetric table tablesample then to trailing " +
        "true union unique user using variadic verbose when where window with"
    ).split(" "),
);

/** Strings that have broken parsers, SQL, shells, URLs and object lookups before. */
export const NASTY_STRINGS = [
    "x; DROP DATABASE postgres",
    "crm; DROP DATABASE crm; --",
    "crm' OR '1'='1",
    'crm"; DROP ROLE postgres; --',
    "../",
    "../../etc/passwd",
    "'",
    '"',
    "a'b",
    'a"b',
    "\n",
    "crm\nfoo",
    "crm\r\n",
    "\u0000",
    "crm\u0000",
    "\t",
    "",
    " ",
    "crm ",
    " crm",
    "__proto__",
    "constructor",
    "prototype",
    "toString",
    "hasOwnProperty",
    "valueOf",
    "main",
    "public",
    "pg_catalog",
    "postgres",
    "template1",
    "nocobase_main",
    "nocobase_tenants",
    "nocobase_tenants_members",
    "user",
    "select",
    "table",
    "order",
    "grant",
    "all",
    "Crm",
    "CRM",
    "crm-1",
    "1crm",
    "_crm",
    "crm.",
    "ｃｒｍ",
    "crм",
    "é",
    "💥",
    "${jndi:ldap://x}",
    "$(reboot)",
    "`id`",
    "%00",
    "%2e%2e%2f",
    "\\",
    "a/b",
    "::",
    "http://[",
    "http://[x/",
    'http://a"b/',
    "http://user:pw@evil.example.com/",
    "tcp://[",
    "tcp://host:99999",
    "ssh://",
    "unix://",
    "a".repeat(63),
    "a".repeat(64),
    "a".repeat(300),
    "x".repeat(100_000),
    "-a.example.com",
    "a..b.example.com",
    "a.example.com.",
    "localhost",
    "127.0.0.1",
    "999.999.999.999",
    "[::1]",
    "latest",
    "2.2.15",
    "2.2",
    "a@b",
    "a\u0000@b",
    "platform-app",
];

/** Every key the contract knows, at any depth: added where they do not belong, or where they are optional. */
function contractKeys(): string[] {
    const keys = new Set<string>(STACK_CONFIG_KEYS);
    const walk = (schema: unknown): void => {
        if (Array.isArray(schema)) return schema.forEach(walk);
        if (typeof schema !== "object" || schema === null) return;
        for (const [key, value] of Object.entries(schema)) {
            if (key === "properties" && typeof value === "object" && value !== null)
                Object.keys(value).forEach((k) => keys.add(k));
            walk(value);
        }
    };
    const { properties, $defs } = stackFileJsonSchema(PROJECT) as {
        properties: { config: { properties: Record<string, unknown> } };
        $defs: unknown;
    };
    walk([Object.values(properties.config.properties), $defs]);
    return [...keys];
}

/** Names that an object used as a map answers for without holding them. */
const PROTOTYPE_NAMES = [
    "__proto__",
    "constructor",
    "prototype",
    "toString",
    "valueOf",
    "hasOwnProperty",
    "isPrototypeOf",
];

const nasty = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 80 }) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
    {
        weight: 2,
        arbitrary: fc
            .tuple(fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/), fc.constantFrom(...NASTY_STRINGS))
            .map(([a, b]) => a + b),
    },
    { weight: 2, arbitrary: fc.constantFrom(...PG_RESERVED) },
    { weight: 2, arbitrary: fc.constantFrom(...PROTOTYPE_NAMES) },
);

const junk: fc.Arbitrary<unknown> = fc.oneof(
    { weight: 4, arbitrary: nasty },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, 65536, Number.NaN, Number.POSITIVE_INFINITY, -0, 2 ** 53) },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom([], {}, [[]], [{}]) },
    { weight: 1, arbitrary: fc.array(nasty, { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.dictionary(nasty, nasty, { maxKeys: 3 }) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 2, maxKeys: 3 }) },
);

/** A valid app with random identifiers, so that accepted configurations carry names nobody chose. */
const generatedApp = fc.record({
    id: fc.stringMatching(/^[a-z][a-z0-9_]{0,62}$/),
    displayName: fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }).filter((s) => /\S/.test(s)),
    database: fc.oneof(
        fc.constant({ mode: "database" }),
        fc.constant({ mode: "schema" }),
        fc.record({
            mode: fc.constant("database"),
            database: fc.stringMatching(/^[a-z_][a-z0-9_]{0,62}$/),
            user: fc.stringMatching(/^[a-z_][a-z0-9_]{0,62}$/),
        }),
        fc.record({ mode: fc.constant("schema"), schema: fc.stringMatching(/^[a-z_][a-z0-9_]{0,62}$/) }),
    ),
    domain: fc.option(
        fc.domain().map((d) => d.toLowerCase()),
        { nil: undefined },
    ),
    state: fc.option(fc.constantFrom("running", "stopped"), { nil: undefined }),
});

/** Names no stack may create: PostgreSQL's reserved ones and what every server has (pg_catalog's own list). */
export const PG_SYSTEM_NAMES = [
    "public",
    "none",
    "postgres",
    "template0",
    "template1",
    "information_schema",
    "pg_catalog",
    "pg_toast",
    "pg_signal_backend",
];

/** Stack names Pulumi accepts that Kubernetes object names do not, as they are. */
const STACK_NAMES = ["fuzz", "Prod.EU_1", "staging_", "UPPER", "a.b.c", "x".repeat(40), "x".repeat(60)];
/** Environment names the schema admits, some of which no Kubernetes object name can hold. */
const ENVIRONMENT_NAMES = ["env_", "eu_1_", "a__b", `e${"x".repeat(44)}`, `e${"x".repeat(49)}`];

export type Mutation =
    | { op: "set"; at: number; value: unknown }
    | { op: "delete"; at: number }
    | { op: "addKey"; at: number; key: string; value: unknown }
    | { op: "string"; at: number; value: string }
    | { op: "duplicate"; at: number }
    | { op: "hugeList"; at: number; size: number }
    | { op: "addApp"; app: Record<string, unknown> }
    // Reserved and colliding names, in every place that names a role, database or schema.
    | { op: "name"; at: number; pick: number }
    // Kubernetes name lengths: the stack name, environment names, a runtime turned Kubernetes.
    | { op: "stack"; stack: string }
    | { op: "environmentName"; at: number; name: string }
    | { op: "kubernetes"; at: number }
    | { op: "samePort" }
    // Secret placement (applied after every other mutation, so that no canary is copied elsewhere).
    | { op: "decrypt"; at: number }
    | { op: "encrypt"; at: number }
    | { op: "credentials"; at: number; scheme: "https" | "redis" | "ssh" }
    | { op: "engine" };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.record({ op: fc.constant("set" as const), at: fc.nat(), value: junk }),
    fc.record({ op: fc.constant("delete" as const), at: fc.nat() }),
    fc.record({
        op: fc.constant("addKey" as const),
        at: fc.nat(),
        key: fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.constantFrom(...contractKeys()), nasty),
        value: junk,
    }),
    fc.record({ op: fc.constant("string" as const), at: fc.nat(), value: nasty }),
    fc.record({ op: fc.constant("duplicate" as const), at: fc.nat() }),
    fc.record({ op: fc.constant("hugeList" as const), at: fc.nat(), size: fc.constantFrom(101, 1000, 5001) }),
    fc.record({
        op: fc.constant("addApp" as const),
        app: generatedApp.map((a) => JSON.parse(JSON.stringify(a)) as Record<string, unknown>),
    }),
    fc.record({ op: fc.constant("name" as const), at: fc.nat(), pick: fc.nat() }),
    fc.record({ op: fc.constant("stack" as const), stack: fc.constantFrom(...STACK_NAMES) }),
    fc.record({
        op: fc.constant("environmentName" as const),
        at: fc.nat(),
        name: fc.oneof(fc.constantFrom(...ENVIRONMENT_NAMES), fc.stringMatching(/^[a-z][a-z0-9_]{0,49}$/)),
    }),
    fc.record({ op: fc.constant("kubernetes" as const), at: fc.nat() }),
    fc.record({ op: fc.constant("samePort" as const) }),
    fc.record({ op: fc.constant("decrypt" as const), at: fc.nat() }),
    fc.record({ op: fc.constant("encrypt" as const), at: fc.nat() }),
    fc.record({
        op: fc.constant("credentials" as const),
        at: fc.nat(),
        scheme: fc.constantFrom("https" as const, "redis" as const, "ssh" as const),
    }),
    fc.record({ op: fc.constant("engine" as const) }),
);

/**
 * Canaries: values that must never appear in a message. Encrypted ones only where the stack file
 * was read (without it, the program cannot know them for secrets); the others always.
 */
export const CANARY = { encrypted: "fuzz-encrypted-", password: "fuzz-password-", credential: "fuzz-credential-" };

type Path = Array<string | number>;

/** Every place in a JSON tree, the root included. One accumulator: huge lists are part of the input. */
function paths(value: unknown, at: Path = [], out: Path[] = []): Path[] {
    out.push(at);
    if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...at, i], out));
    else if (typeof value === "object" && value !== null)
        for (const [k, v] of Object.entries(value)) paths(v, [...at, k], out);
    return out;
}

function valueAt(root: unknown, at: Path): unknown {
    return at.reduce((value: any, step) => value?.[step], root);
}

function parentOf(root: Record<string, unknown>, at: Path): { parent: any; key: string | number } | undefined {
    if (at.length === 0) return undefined;
    let parent: any = root;
    for (const step of at.slice(0, -1)) parent = parent[step];
    return { parent, key: at[at.length - 1] };
}

/** Sets an own property, even one named `__proto__`, as JSON.parse and YAML parsers produce it. */
/**
 * Puts a copy of `value` at `key`: a generator may hand out one object twice, and putting it inside
 * itself would make a cycle, which no stack file (JSON) can hold.
 */
function define(target: any, key: string | number, value: unknown): void {
    Object.defineProperty(target, key, {
        value: structuredClone(value),
        enumerable: true,
        writable: true,
        configurable: true,
    });
}

/**
 * A stack's config as its file holds it: top-level keys without the project prefix, encrypted
 * values as `{ secure: <decrypted value> }`, so that mutations carry their secrecy along.
 */
export interface FuzzInput {
    values: Record<string, unknown>;
    stack: string;
    /** False as under the engine with another file (`--config-file`): only top-level keys say what is secret. */
    fileRead: boolean;
}

const isSecure = (v: unknown): v is { secure: string } =>
    isPlainObject(v) && Object.keys(v).length === 1 && typeof v.secure === "string";

/** The key path validation uses for a place in the tree. */
export function keyPath(place: Path): string {
    return place.reduce<string>(
        (acc, step, i) => (typeof step === "number" ? itemPath(acc, step) : i === 0 ? step : join(acc, step)),
        "",
    );
}

/** Every string in a config, with its key path. */
export function stringsOf(values: Record<string, unknown>): Array<[string, string]> {
    return paths(values).flatMap((place) => {
        const value = valueAt(values, place);
        return typeof value === "string" ? [[keyPath(place), value] as [string, string]] : [];
    });
}

/** What the program is given: decrypted values, the secret top-level keys, and the encrypted key paths when the file was read. */
export function validationInput(input: FuzzInput): StackConfigInput {
    const encrypted = new Set<string>();
    const decrypt = (value: unknown, place: Path): unknown => {
        if (isSecure(value)) {
            encrypted.add(keyPath(place));
            return value.secure;
        }
        if (Array.isArray(value)) return value.map((v, i) => decrypt(v, [...place, i]));
        if (!isPlainObject(value)) return value;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) define(out, k, decrypt(v, [...place, k]));
        return out;
    };
    const values: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input.values)) define(values, k, decrypt(v, [k]));
    const secretKeys = new Set([...encrypted].map((p) => p.split(/[.[]/)[0]));
    return { values, secretKeys, encryptedPaths: input.fileRead ? encrypted : undefined, stack: input.stack };
}

/** Where a role, database or schema is named, and the names that must not be taken there. */
function namePlaces(values: Record<string, any>): { places: Path[]; names: string[] } {
    const places: Path[] = [];
    const names = [...PG_SYSTEM_NAMES, "pg_tenant", ENTRY_DATABASE, TENANTS_GROUP_ROLE, DEFAULTS.tenantsDatabase];
    if (Array.isArray(values.apps)) {
        values.apps.forEach((app: any, i: number) => {
            places.push(
                ["apps", i, "id"],
                ["apps", i, "database", "user"],
                ["apps", i, "database", "database"],
                ["apps", i, "database", "schema"],
            );
            if (typeof app?.id === "string") names.push(app.id);
        });
    }
    if (isPlainObject(values.postgres)) {
        places.push(["postgres", "tenantsDatabase"]);
        if ("adminUser" in values.postgres) places.push(["postgres", "adminUser"]);
        if (typeof values.postgres.adminUser === "string") names.push(values.postgres.adminUser);
    }
    if (Array.isArray(values.environments)) {
        values.environments.forEach((env: any, i: number) => {
            places.push(["environments", i, "name"]);
            if (typeof env?.name === "string") names.push(environmentDatabase(env.name));
        });
    }
    return { places, names };
}

function setAt(root: Record<string, unknown>, place: Path, value: unknown): void {
    const parent = valueAt(root, place.slice(0, -1));
    if (typeof parent === "object" && parent !== null) define(parent, place[place.length - 1], value);
}

const SECRECY_OPS = new Set(["decrypt", "encrypt", "credentials", "engine"]);

export function applyMutations(base: FuzzInput, mutations: Mutation[]): FuzzInput {
    const values = structuredClone(base.values);
    let { stack, fileRead } = base;
    // Secrecy last, plain values decrypted before new ones are encrypted: every canary stays where it was put.
    const ordered = [
        ...mutations.filter((m) => !SECRECY_OPS.has(m.op)),
        ...mutations.filter((m) => m.op === "decrypt"),
        ...mutations.filter((m) => SECRECY_OPS.has(m.op) && m.op !== "decrypt"),
    ];
    for (const m of ordered) {
        switch (m.op) {
            case "addApp":
                if (Array.isArray(values.apps)) values.apps.push(m.app);
                continue;
            case "name": {
                const { places, names } = namePlaces(values);
                if (places.length > 0) setAt(values, places[m.at % places.length], names[m.pick % names.length]);
                continue;
            }
            case "stack":
                stack = m.stack;
                continue;
            case "environmentName": {
                const envs = values.environments;
                if (Array.isArray(envs) && envs.length > 0)
                    setAt(values, ["environments", m.at % envs.length, "name"], m.name);
                continue;
            }
            case "kubernetes": {
                const names = isPlainObject(values.runtimes) ? Object.keys(values.runtimes) : [];
                if (names.length > 0)
                    setAt(values, ["runtimes", names[m.at % names.length]], { type: "kubernetes", namespace: "nb" });
                continue;
            }
            case "samePort":
                if (isPlainObject(values.entry) && isPlainObject(values.postgres))
                    values.entry.port = values.postgres.port ?? 5432;
                continue;
            case "engine":
                fileRead = false;
                continue;
            case "decrypt": {
                const secure = paths(values).filter((p) => isSecure(valueAt(values, p)));
                if (secure.length > 0)
                    setAt(values, secure[m.at % secure.length], `${CANARY.password}${m.at.toString(36)}`);
                continue;
            }
            case "encrypt":
            case "credentials": {
                const strings = paths(values).filter(
                    (p) =>
                        p.length > 0 &&
                        typeof valueAt(values, p) === "string" &&
                        !isSecure(valueAt(values, p.slice(0, -1))),
                );
                if (strings.length === 0) continue;
                const token = m.at.toString(36);
                const credentials =
                    m.op === "credentials" &&
                    (m.scheme === "redis"
                        ? `redis://ops:${CANARY.credential}${token}@redis.example.com:6379`
                        : `${m.scheme}://ops:${CANARY.credential}${token}@h.example.com`);
                setAt(values, strings[m.at % strings.length], credentials || { secure: `${CANARY.encrypted}${token}` });
                continue;
            }
        }
        const all = paths(values);
        // A string replacement is aimed at the strings of the config, not at every place in it.
        const targets = m.op === "string" ? all.filter((p) => typeof valueAt(values, p) === "string") : all;
        if (targets.length === 0) continue;
        const at = targets[m.at % targets.length];
        const place = parentOf(values, at);
        const current = place ? place.parent[place.key] : values;
        switch (m.op) {
            case "set":
                if (place) define(place.parent, place.key, m.value);
                break;
            case "delete":
                if (place && Array.isArray(place.parent)) place.parent.splice(place.key as number, 1);
                else if (place) delete place.parent[place.key];
                break;
            case "addKey":
                if (typeof current === "object" && current !== null && !Array.isArray(current))
                    define(current, m.key, m.value);
                break;
            case "string":
                if (place && typeof current === "string") define(place.parent, place.key, m.value);
                break;
            case "duplicate":
                if (Array.isArray(current) && current.length > 0) current.push(structuredClone(current[0]));
                break;
            case "hugeList":
                if (place && Array.isArray(current) && current.length > 0) {
                    define(
                        place.parent,
                        place.key,
                        Array.from({ length: m.size }, (_, i) =>
                            i === 0 ? current[0] : structuredClone(current[i % current.length]),
                        ),
                    );
                }
                break;
        }
    }
    return { values, stack, fileRead };
}

const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

function sqlIdentifierProblem(name: string): string | undefined {
    if (!SQL_IDENTIFIER.test(name)) return "is not a lower-case SQL identifier";
    if (Buffer.byteLength(name) > 63) return "is longer than PostgreSQL's 63 bytes";
    if (PG_RESERVED.has(name)) return "is a reserved SQL keyword (needs quoting)";
    return undefined;
}

/** A name this stack creates: also none that PostgreSQL reserves or every server has. */
function createdNameProblem(name: string): string | undefined {
    return (
        sqlIdentifierProblem(name) ??
        (name.startsWith("pg_") || PG_SYSTEM_NAMES.includes(name) ? "is PostgreSQL's own" : undefined)
    );
}

/** A Kubernetes Service's name: a DNS-1035 label of at most 63 characters. */
function kubernetesNameProblem(name: string): string | undefined {
    return name.length <= 63 && /^[a-z]([a-z0-9-]*[a-z0-9])?$/.test(name) ? undefined : "is no Kubernetes object name";
}

function hostnameProblem(host: string): string | undefined {
    if (host.length > 253) return "is longer than 253 characters";
    if (!host.split(".").every((label) => label.length <= 63 && DNS_LABEL.test(label)))
        return "is not a lower-case DNS name";
    return undefined;
}

function urlProblem(text: string): string | undefined {
    let url: URL;
    try {
        url = new URL(text);
    } catch {
        return "does not parse as a URL";
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return "is not http(s)";
    if (url.username || url.password) return "carries credentials";
    return url.hostname.startsWith("[") ? undefined : hostnameProblem(url.hostname);
}

/**
 * Every identifier of an accepted configuration that reaches SQL (databases, roles, schemas),
 * HTTP (app ids in URLs, domains, URLs) or names (environments, runtimes, namespaces), each checked
 * against a rule under which no quoting question can arise. Returns what breaks a rule.
 */
export function unsafeIdentifiers(config: PlatformConfig, stack: string): string[] {
    const problems: string[] = [];
    const check = (what: string, value: string | undefined, rule: (v: string) => string | undefined) => {
        if (value === undefined) return;
        const problem = rule(value);
        if (problem)
            problems.push(
                `${what} ${JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)} ${problem}`,
            );
    };
    const sql = (what: string, value: string | undefined) => check(what, value, sqlIdentifierProblem);
    for (const [name, runtime] of Object.entries(config.runtimes)) {
        check("runtime name", name, (v) => (/^[a-z][a-z0-9-]*$/.test(v) ? undefined : "is not a lower-case name"));
        if (runtime.type === "kubernetes") {
            for (const [key, value] of Object.entries({
                namespace: runtime.namespace,
                ingressClass: runtime.ingressClass,
                clusterIssuer: runtime.clusterIssuer,
                storageClass: runtime.storageClass,
            })) {
                check(`runtime ${name} ${key}`, value, (v) =>
                    DNS_LABEL.test(v) && v.length <= 63 ? undefined : "is not a DNS label",
                );
            }
        } else if (runtime.host && !/^(unix|npipe):\/\//.test(runtime.host)) {
            check(`runtime ${name} docker host`, runtime.host, (v) => {
                try {
                    return new URL(v).hostname ? undefined : "has no host name";
                } catch {
                    return "does not parse as a URL";
                }
            });
        }
    }
    sql("tenants database", config.postgres.tenantsDatabase);
    if (config.postgres.kind === "external") {
        check("postgres host", config.postgres.host, hostnameProblem);
        check("postgres adminUser", config.postgres.adminUser, (v) =>
            /^[A-Za-z0-9_@.-]+$/.test(v) ? undefined : "has characters outside a role name",
        );
    }
    check("adminEmail", config.adminEmail, (v) =>
        /^[^\s\p{Cc}"'<>]+@[^\s\p{Cc}"'<>]+$/u.test(v) ? undefined : "has control or quoting characters",
    );
    check("entry domain", config.entry.domain, hostnameProblem);
    check("entry url", config.entry.url, urlProblem);
    check("entry apiUrl", config.entry.apiUrl, urlProblem);
    for (const env of config.environments) {
        // The name itself reaches SQL only inside its database's name (nocobase_env_<name>), checked here.
        if (!env.sharesEntryProcess) sql(`environment ${env.name} database`, environmentDatabase(env.name));
        check(`environment ${env.name} url`, env.url, urlProblem);
    }
    // Every role and database the platform creates on its server, each name once.
    const created = new Map<string, string>();
    const create = (kind: string, name: string, what: string, existing = false) => {
        if (!existing) check(`${what} ${kind}`, name, createdNameProblem);
        const owner = created.get(`${kind} ${name}`);
        if (owner !== undefined) problems.push(`${kind} ${JSON.stringify(name)} of ${what} is also ${owner}'s`);
        created.set(`${kind} ${name}`, what);
    };
    create("role", ENTRY_DATABASE, "the entry app");
    create("database", ENTRY_DATABASE, "the entry app");
    create("role", TENANTS_GROUP_ROLE, "the tenants group");
    // The admin role exists already: any name, but not one the platform creates as well.
    if (config.postgres.kind === "external") create("role", config.postgres.adminUser, "the admin", true);
    if (config.apps.some((a) => a.database.mode === "schema"))
        create("database", config.postgres.tenantsDatabase, "the tenants database");
    // An adopted entry app (and `local`, its process) runs on none of the stack's runtimes.
    const runtimeOf = (name: string | undefined) => (name === undefined ? undefined : config.runtimes[name]);
    if (runtimeOf(config.entry.runtime)?.type === "kubernetes")
        check("entry object name", entryHostName("kubernetes", namePrefix(stack)), kubernetesNameProblem);
    for (const env of config.environments) {
        if (env.sharesEntryProcess) continue;
        create("role", environmentDatabase(env.name), `environment ${env.name}`);
        create("database", environmentDatabase(env.name), `environment ${env.name}`);
        if (runtimeOf(env.runtime)?.type === "kubernetes")
            check(
                `environment ${env.name} object name`,
                workerHostName("kubernetes", namePrefix(stack), env.name),
                kubernetesNameProblem,
            );
    }
    // Ports published on one Docker engine.
    const published = new Set<string>();
    const publish = (runtime: string | undefined, port: number) => {
        const r = runtimeOf(runtime);
        if (r?.type !== "docker") return;
        const key = `${r.host ?? "local"}:${port}`;
        if (published.has(key)) problems.push(`port ${port} is published twice on Docker host ${r.host ?? "local"}`);
        published.add(key);
    };
    publish(config.entry.runtime, config.entry.port);
    if (config.postgres.kind === "container") publish(config.postgres.runtime, config.postgres.port);
    for (const app of config.apps) {
        check(`app ${app.id} displayName`, app.displayName, (v) =>
            /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u.test(v) ? "holds a control character" : undefined,
        );
        if (app.database.mode === "database") {
            create("role", app.database.role, `app ${app.id}`);
            create("database", app.database.database, `app ${app.id}`);
        } else if (app.database.mode === "schema") {
            create("role", app.database.role, `app ${app.id}`);
            check(`app ${app.id} schema`, app.database.schema, createdNameProblem);
        }
    }
    for (const app of config.apps) {
        sql("app id", app.id);
        check(`app ${app.id} id`, app.id, (v) => (v === "main" ? "is the entry app's reserved name" : undefined));
        check(`app ${app.id} domain`, app.domain, hostnameProblem);
        const db = app.database;
        sql(`app ${app.id} database`, db.database);
        if (db.mode === "connection") {
            sql(`app ${app.id} user`, db.user);
            sql(`app ${app.id} schema`, db.schema);
            check(`app ${app.id} host`, db.host, hostnameProblem);
        } else {
            sql(`app ${app.id} role`, db.role);
            if (db.mode === "schema") sql(`app ${app.id} schema`, db.schema);
        }
    }
    return problems;
}

/** Strings of an accepted configuration that may appear in a resource's logical name. */
export function nameTokens(config: PlatformConfig): Set<string> {
    const tokens = new Set<string>();
    for (const name of [
        ...Object.keys(config.runtimes),
        ...config.environments.map((e) => e.name),
        ...config.apps.map((a) => a.id),
    ]) {
        for (const token of name.split("-")) tokens.add(token);
    }
    return tokens;
}

/** What only a stack file's text can get wrong, on top of its config. */
export type TextMutation =
    | { op: "inf"; at: number; value: number }
    | { op: "namespace"; at: number; key?: string }
    | { op: "outside"; at: number }
    | { op: "twice"; at: number; key?: string }
    | { op: "merge"; at: number }
    | { op: "complexKey" }
    | { op: "bytes"; at: number; bytes: readonly number[] };

export const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
    fc.record({ op: fc.constant("inf" as const), at: fc.nat(), value: fc.constantFrom(Infinity, -Infinity, NaN) }),
    fc.record({ op: fc.constant("namespace" as const), at: fc.nat() }),
    fc.record({ op: fc.constant("outside" as const), at: fc.nat() }),
    fc.record({ op: fc.constant("twice" as const), at: fc.nat() }),
    fc.record({ op: fc.constant("merge" as const), at: fc.nat() }),
    fc.record({ op: fc.constant("complexKey" as const) }),
    fc.record({
        op: fc.constant("bytes" as const),
        at: fc.nat(),
        // Invalid UTF-8 (a stray byte, a broken sequence, an overlong NUL), a BOM, a CR, a NUL.
        bytes: fc.constantFrom([0xff], [0xc3, 0x28], [0xc0, 0x80], [0xef, 0xbb, 0xbf], [0x0d], [0x00]),
    }),
);

/** A misspelling of the project's namespace, as fingers make it. */
const MISSPELLED = `${PROJECT.slice(0, -3)}${PROJECT.slice(-2, -1)}${PROJECT.slice(-3, -2)}${PROJECT.slice(-1)}`;

/** The stack file of an input, as bytes, after its YAML-level mutations. */
export function stackFileBytes(input: FuzzInput, mutations: TextMutation[] = []): Uint8Array {
    const config: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(input.values)) define(config, `${PROJECT}:${k}`, v);
    const top: Record<string, unknown> = { config };
    const keyOf = (m: { at: number; key?: string }) => {
        const keys = Object.keys(config).filter((k) => k.startsWith(`${PROJECT}:`));
        return m.key ?? keys[m.at % Math.max(keys.length, 1)];
    };
    for (const m of mutations) {
        if (m.op === "inf") {
            const numbers = paths(config).filter((p) => typeof valueAt(config, p) === "number");
            if (numbers.length > 0) setAt(config, numbers[m.at % numbers.length], m.value);
        } else if (m.op === "namespace" || m.op === "outside" || m.op === "twice") {
            const key = keyOf(m);
            if (key === undefined || !(key in config)) continue;
            const value = config[key];
            if (m.op !== "twice") delete config[key];
            if (m.op === "namespace") define(config, key.replace(PROJECT, MISSPELLED), value);
            else
                define(
                    m.op === "outside" ? top : config,
                    m.op === "outside" ? key : key.slice(PROJECT.length + 1),
                    value,
                );
        }
    }
    const doc = new Document(top);
    for (const m of mutations) {
        if (m.op === "merge") {
            const lists: YAMLSeq[] = [];
            const walk = (node: unknown): void => {
                if (isSeq(node)) {
                    if (node.items.length >= 2 && node.items.every(isMap)) lists.push(node);
                    node.items.forEach(walk);
                } else if (isMap(node)) node.items.forEach((pair) => walk(pair.value));
            };
            walk(doc.contents);
            if (lists.length === 0) continue;
            const list = lists[m.at % lists.length];
            const i = m.at % (list.items.length - 1);
            (list.items[i + 1] as YAMLMap).items.unshift(
                doc.createPair("<<", doc.createAlias(list.items[i] as YAMLMap)),
            );
        } else if (m.op === "complexKey") {
            (doc.get("config", true) as YAMLMap).items.push(doc.createPair(doc.createNode(["a", "b"]), "c"));
        }
    }
    let bytes: Buffer = Buffer.from(doc.toString({ lineWidth: 0 }));
    for (const m of mutations) {
        if (m.op !== "bytes") continue;
        const offset = m.at % (bytes.length + 1);
        bytes = Buffer.concat([bytes.subarray(0, offset), Buffer.from(m.bytes), bytes.subarray(offset)]);
    }
    return bytes;
}

/** One problem put into a valid stack, and where it must be reported. */
export interface Injected {
    path: string;
    /** Key paths it changes, and those its problem depends on: see `independent`. */
    changes: string[];
    needs?: string[];
    text?: TextMutation;
}

/** A kind of problem; undefined where a stack has no place for it. */
export type Injector = (input: FuzzInput) => Injected | undefined;

const apps = (input: FuzzInput) => input.values.apps as Array<Record<string, any>>;
const firstSecure = (input: FuzzInput) => paths(input.values).find((p) => isSecure(valueAt(input.values, p)));

/** Problems of every family, each in one place of a sample stack, for the property that two of them are both reported. */
export const INJECTORS: Record<string, Injector> = {
    floatingVersion: (i) => (
        ((i.values.platform as any).nocobaseVersion = "latest"),
        { path: "platform.nocobaseVersion", changes: ["platform.nocobaseVersion"] }
    ),
    unknownDatabaseMode: (i) => (
        (apps(i)[0].database.mode = "db"),
        { path: "apps[0].database.mode", changes: ["apps[0].database"] }
    ),
    duplicateId: (i) => (
        (apps(i)[2].id = apps(i)[0].id),
        { path: "apps[2].id", changes: ["apps[2]"], needs: ["apps[0].id"] }
    ),
    duplicateDomain: (i) => {
        apps(i)[0].domain = apps(i)[1].domain = "dup.example.com";
        return {
            path: "apps[1].domain",
            changes: ["apps[0].domain", "apps[1].domain"],
            needs: ["apps[0].id", "apps[1].id"],
        };
    },
    unknownRuntime: (i) => (
        ((i.values.entry as any).runtime = "nowhere"),
        { path: "entry.runtime", changes: ["entry.runtime"] }
    ),
    unknownRuntimeType: (i) => {
        const name = Object.keys(i.values.runtimes as object)[0];
        (i.values.runtimes as any)[name].type = "podman";
        return { path: `runtimes.${name}.type`, changes: ["runtimes"] };
    },
    plainSecret: (i) => {
        const place = firstSecure(i);
        if (!place) return undefined;
        setAt(i.values, place, `${CANARY.password}injected`);
        return { path: keyPath(place), changes: [keyPath(place)] };
    },
    encryptedDisplayName: (i) => (
        (apps(i)[2].displayName = { secure: `${CANARY.encrypted}injected` }),
        { path: "apps[2].displayName", changes: ["apps[2].displayName"] }
    ),
    reservedSchema: (i) => {
        const n = apps(i).findIndex((a) => a.database?.mode === "schema");
        if (n < 0) return undefined;
        apps(i)[n].database.schema = "public";
        return { path: `apps[${n}].database.schema`, changes: [`apps[${n}].database`] };
    },
    adminUserClash: (i) => {
        const pg = i.values.postgres as any;
        if (!("adminUser" in pg)) return undefined;
        pg.adminUser = ENTRY_DATABASE;
        return { path: "postgres.adminUser", changes: ["postgres.adminUser"] };
    },
    controlCharacter: (i) => (
        (apps(i)[1].displayName = "Bad\u0007name"),
        { path: "apps[1].displayName", changes: ["apps[1].displayName"] }
    ),
    longDomainLabel: (i) => (
        (apps(i)[0].domain = `${"a".repeat(64)}.example.com`),
        { path: "apps[0].domain", changes: ["apps[0].domain"] }
    ),
    misspelledKey: (i) => (
        (apps(i)[1].dispayName = "HR"),
        { path: "apps[1].dispayName", changes: ["apps[1].dispayName"] }
    ),
    unknownEnvironment: (i) => {
        if ((i.values.platform as any).mode !== "multi-environment") return undefined;
        apps(i)[2].environment = "nowhere";
        return {
            path: "apps[2].environment",
            changes: ["apps[2].environment"],
            needs: ["environments", "platform.mode"],
        };
    },
    publishedPortClash: (i) => {
        const pg = i.values.postgres as any;
        const entry = i.values.entry as any;
        const runtimes = i.values.runtimes as any;
        if (
            !("runtime" in pg) ||
            runtimes[entry.runtime]?.type !== "docker" ||
            runtimes[pg.runtime]?.host !== runtimes[entry.runtime]?.host
        )
            return undefined;
        entry.port = pg.port ?? 5432;
        return {
            path: pg.port === undefined ? "entry.port" : "postgres.port",
            changes: ["entry.port"],
            needs: ["runtimes", "entry.runtime", "postgres"],
        };
    },
    infiniteReplicas: (i) => (
        ((i.values.entry as any).replicas = Infinity),
        { path: "entry.replicas", changes: ["entry.replicas"] }
    ),
    misspelledNamespace: () => ({
        path: `${MISSPELLED}:postgres`,
        changes: ["@postgres"],
        text: { op: "namespace", at: 0, key: `${PROJECT}:postgres` },
    }),
    keyGivenTwice: () => ({
        path: "entry",
        changes: ["@entry"],
        text: { op: "twice", at: 0, key: `${PROJECT}:entry` },
    }),
    kubernetesEnvironmentName: (i) => {
        const envs = i.values.environments as any[] | undefined;
        if (!envs || (i.values.runtimes as any)[envs[0].runtime]?.type !== "kubernetes") return undefined;
        envs[0].name = `e${"x".repeat(47)}`;
        return { path: "environments[0].name", changes: ["environments"], needs: ["runtimes", "stack"] };
    },
    longStackName: (i) => {
        if ((i.values.runtimes as any)[(i.values.entry as any).runtime]?.type !== "kubernetes") return undefined;
        i.stack = "x".repeat(60);
        return { path: "entry.runtime", changes: ["stack"], needs: ["runtimes", "entry.runtime"] };
    },
    reservedTenantsDatabase: (i) => (
        ((i.values.postgres as any).tenantsDatabase = "template1"),
        { path: "postgres.tenantsDatabase", changes: ["postgres.tenantsDatabase"] }
    ),
    plainRedisPassword: (i) => {
        const redis = i.values.redis as any;
        if (!redis || !("url" in redis)) return undefined;
        redis.url = `redis://:${CANARY.credential}injected@redis.example.com:6379`;
        return { path: "redis.url", changes: ["redis.url"] };
    },
};

const overlaps = (a: string, b: string) =>
    a === b || b.startsWith(`${a}.`) || b.startsWith(`${a}[`) || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);

/** Two problems are independent when neither changes what the other changes or depends on. */
export function independent(a: Injected, b: Injected): boolean {
    const clash = (x: Injected, y: Injected) =>
        x.changes.some((c) => [...y.changes, ...(y.needs ?? [])].some((d) => overlaps(c, d)));
    return !clash(a, b) && !clash(b, a);
}
