/**
 * Rules for the names and references written in a stack file, as patterns and word lists. Names
 * reach PostgreSQL, Kubernetes, URLs and NocoBase unquoted, so each rule says which of them it
 * serves. Messages about a broken rule are the schema's (`config/`); the policies reuse the patterns.
 */

/** NocoBase app names become PostgreSQL identifiers, so they follow both sets of rules. */
export const APP_ID = /^[a-z][a-z0-9_]{0,62}$/;
export const ENVIRONMENT_NAME = /^[a-z][a-z0-9_]*$/;
export const RUNTIME_NAME = /^[a-z][a-z0-9-]{0,30}$/;
/** A PostgreSQL identifier that never needs quoting (reserved words aside, see below). */
export const PG_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/**
 * PostgreSQL's reserved words (`pg_get_keywords()` categories R and T, PostgreSQL 15). They match
 * PG_IDENTIFIER but break unquoted SQL, and NocoBase runs `CREATE SCHEMA IF NOT EXISTS <schema>`
 * unquoted, so they are refused wherever a name reaches SQL.
 */
export const PG_RESERVED = [
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];
/**
 * Names a tenant's database, schema or role cannot take: PostgreSQL reserves `pg_*` for roles and
 * schemas and the roles `public` and `none`, and every server already has the rest. Creating one
 * fails, or adopts and re-owns the server's own (a schema named `public`).
 */
export const PG_SYSTEM_NAMES = ["public", "none", "postgres", "template0", "template1", "information_schema"];
export function pgSystemNameProblem(name: string): string | undefined {
    if (name.startsWith("pg_") || PG_SYSTEM_NAMES.includes(name)) {
        return `is reserved by PostgreSQL or exists on every server (pg_*, ${PG_SYSTEM_NAMES.join(", ")})`;
    }
    return undefined;
}
/** A lower-case DNS name with at least two labels. */
export const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
/** A server address: a DNS name (one label allowed, e.g. a container name) or an IPv4 address. */
export const HOST = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/**
 * A NocoBase release like 2.2.15: the tag of every NocoBase image. Floating tags and pre-releases
 * (beta, alpha, rc) move; the policy pack holds images to this same rule.
 */
export const NOCOBASE_RELEASE = /^\d+\.\d+\.\d+$/;
/**
 * How two releases (NOCOBASE_RELEASE) order: negative when `a` is older than `b`. NocoBase migrates
 * data forwards only, so this order decides whether a version change is an upgrade or a downgrade.
 */
export function compareReleases(a: string, b: string): number {
    const pa = a.split(".").map(Number);
    const pb = b.split(".").map(Number);
    for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
    return 0;
}
const IMAGE_REPOSITORY = "[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\\/[a-z0-9]+([._-][a-z0-9]+)*)*";
export const IMAGE = new RegExp(`^${IMAGE_REPOSITORY}$`);
/** A repository with its tag; `latest` is refused, as it changes under a running server. */
export const TAGGED_IMAGE = new RegExp(`^${IMAGE_REPOSITORY}:(?!latest$)[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`);

/**
 * What a Kubernetes Service (and so each workload's Deployment, Ingress and instance label) may be
 * named: a DNS label starting with a letter, at most 63 characters.
 */
export const KUBERNETES_NAME = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The entry app's database and login role (NocoBase's main app). */
export const ENTRY_DATABASE = "nocobase_main";
/** Group role whose members may connect to the tenants database (schema-mode apps). */
export const TENANTS_GROUP_ROLE = "nocobase_tenants_members";
