/**
 * Names that identify tenants must be valid and unique across the stack: app ids (URL path,
 * database and role names), environment names (ENVIRONMENT_NAME), custom domains, and PostgreSQL
 * databases, schemas and roles per server. Validation checks the stack file; this checks what the
 * program actually registers, so a program change cannot make two tenants share data or a host.
 */
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { APP_ID, ENVIRONMENT_NAME, HOSTNAME, PG_IDENTIFIER } from "../components/core/identifiers";
import { appRegistrations, nocobaseWorkloads } from "./resources";
import { TYPES } from "../components/core/typeTokens";
// Shared-memory mode runs every app in the entry app's process, NocoBase's `local` environment.
import { LOCAL_ENVIRONMENT } from "../components/core/nocobase";

/** NocoBase's own app is `main`; a tenant of that name would shadow the entry app. */
const RESERVED_APP_IDS = new Set(["main"]);

type Report = (message: string, urn?: string) => void;

export const uniqueValidNames: StackValidationPolicy = {
    name: "nocobase-names-valid-unique",
    description:
        "App ids, environment names, custom domains and PostgreSQL database, schema and role names are valid and unique.",
    // A clash means two tenants share a database, a session namespace or a host name.
    enforcementLevel: "mandatory",
    severity: "critical",
    validateStack: (args, report) => {
        const apps = appRegistrations(args.resources);
        const ids = claimer("app id", report);
        const domains = claimer("domain", report);
        for (const app of apps) {
            if (!APP_ID.test(app.appId))
                report(`app id ${JSON.stringify(app.appId)} must match ${APP_ID.source}`, app.urn);
            else if (RESERVED_APP_IDS.has(app.appId))
                report(`app id ${JSON.stringify(app.appId)} is reserved for the entry app`, app.urn);
            ids(app.appId, app.urn);
            if (app.cname !== undefined) {
                if (!HOSTNAME.test(app.cname))
                    report(
                        `domain ${JSON.stringify(app.cname)} of app ${app.appId} is not a lower-case host name`,
                        app.urn,
                    );
                domains(app.cname, app.urn);
            }
        }

        const environments = claimer("environment name", report);
        const workers = nocobaseWorkloads(args.resources).filter((w) => w.env.APP_MODE === "worker");
        for (const w of workers) {
            const name = w.env.ENVIRONMENT_NAME ?? "";
            if (!ENVIRONMENT_NAME.test(name))
                report(`environment name ${JSON.stringify(name)} must match ${ENVIRONMENT_NAME.source}`, w.urn);
            environments(name, w.urn);
        }
        const known = new Set(workers.length > 0 ? workers.map((w) => w.env.ENVIRONMENT_NAME) : [LOCAL_ENVIRONMENT]);
        for (const app of apps) {
            if (!known.has(app.environment))
                report(
                    `app ${app.appId} runs on environment ${JSON.stringify(app.environment)}, which the stack does not deploy (${[...known].join(", ")})`,
                    app.urn,
                );
        }

        checkPostgresNames(args.resources, report);
    },
};

function checkPostgresNames(resources: PolicyResource[], report: Report): void {
    // Names are unique per server, and each server has its own provider.
    const claims = new Map<string, ReturnType<typeof claimer>>();
    const claim = (kind: string, server: string, name: string, urn: string) => {
        const key = `${kind}@${server}`;
        if (!claims.has(key)) claims.set(key, claimer(kind, report));
        claims.get(key)!(name, urn);
    };
    for (const r of resources) {
        const server = r.provider?.urn ?? "default";
        const name = r.props.name;
        if (r.type !== TYPES.pgDatabase && r.type !== TYPES.pgSchema && r.type !== TYPES.pgRole) continue;
        const kind = r.type === TYPES.pgDatabase ? "database" : r.type === TYPES.pgSchema ? "schema" : "role";
        if (typeof name !== "string" || !PG_IDENTIFIER.test(name)) {
            report(
                `${kind} name ${JSON.stringify(name)} must be a PostgreSQL identifier (${PG_IDENTIFIER.source})`,
                r.urn,
            );
            continue;
        }
        claim(kind, server, r.type === TYPES.pgSchema ? `${r.props.database}.${name}` : name, r.urn);
    }
}

/** Reports the second and later claim of a name, naming the first claimant. */
function claimer(what: string, report: Report): (name: string, urn: string) => void {
    const owners = new Map<string, string>();
    return (name, urn) => {
        const owner = owners.get(name);
        if (owner === undefined) owners.set(name, urn);
        else report(`${what} ${JSON.stringify(name)} is already used by ${owner}`, urn);
    };
}
