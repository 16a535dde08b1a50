/**
 * Tenant storage on a real PostgreSQL server, created exactly as `pulumi up` would: the real
 * program is rendered under mocks and every `postgresql` resource it registers (roles, databases,
 * grants, schemas, from `TenantDatabase` and `SharedTenantsDatabase`) is replayed as the SQL the
 * provider runs. A change to those components changes the fixture with it; an input the replay does
 * not understand fails loudly instead of being skipped.
 *
 * Names are the program's own, with one exception: the entry database and the tenants group role
 * are cluster-wide constants, so they get a per-run suffix that keeps reruns, parallel runs and a
 * developer's own `nocobase_main` apart. App ids, the tenants database and the environment carry the
 * run id, so every name the fixture creates is unique to the run and dropped afterwards.
 */
import { randomBytes } from "node:crypto";
import { Client, escapeIdentifier, escapeLiteral } from "pg";
import { ENTRY_DATABASE, TENANTS_GROUP_ROLE } from "../../components/core/identifiers";
import { cliConfigValues } from "./stacks";
import { Registration, renderProgram, reveal } from "../../cli/harness/render";
import type { PlatformOutputs } from "../../cli/verify/checks";
import { AdminConnection, localAdmin } from "./localPostgres";

export interface IsolationFixture {
    run: string;
    /** Stack outputs of the rendered program, naming the objects created on the server. */
    outputs: PlatformOutputs;
    /** App ids by role in the fixture. */
    apps: { databaseA: string; databaseB: string; schemaA: string; schemaB: string; named: string };
    /** Runs SQL as the admin role in one database. */
    admin(database: string, sql: string): Promise<void>;
    cleanup(): Promise<void>;
}

export async function createIsolationFixture(server: AdminConnection = localAdmin()): Promise<IsolationFixture> {
    const run = `iso${randomBytes(3).toString("hex")}`;
    const apps = {
        databaseA: `${run}_da`,
        databaseB: `${run}_db`,
        schemaA: `${run}_sa`,
        schemaB: `${run}_sb`,
        named: `${run}_nm`,
    };
    const config = {
        platform: { mode: "multi-environment", nocobaseVersion: "2.2.15" },
        runtimes: { local: { type: "docker" } },
        postgres: { runtime: "local", port: server.port, tenantsDatabase: `${run}_tenants` },
        redis: { runtime: "local" },
        entry: { runtime: "local" },
        environments: [{ name: run, runtime: "local" }],
        apps: [
            { id: apps.databaseA, displayName: "Database A", database: { mode: "database" } },
            { id: apps.databaseB, displayName: "Database B", database: { mode: "database" }, state: "stopped" },
            { id: apps.schemaA, displayName: "Schema A", database: { mode: "schema" } },
            { id: apps.schemaB, displayName: "Schema B", database: { mode: "schema" } },
            // Database and role named apart from the id, as a stack file may.
            {
                id: apps.named,
                displayName: "Named",
                database: { mode: "database", database: `${run}_nm_data`, user: `${run}_nm_owner` },
            },
        ],
    };
    const values = cliConfigValues(config);
    const rendered = await renderProgram({ stack: run, values, secretKeys: [] });

    const renames = new Map([
        [ENTRY_DATABASE, `${ENTRY_DATABASE}_${run}`],
        [TENANTS_GROUP_ROLE, `${TENANTS_GROUP_ROLE}_${run}`],
    ]);
    const rename = (value: unknown): unknown => {
        if (typeof value === "string") return renames.get(value) ?? value;
        if (Array.isArray(value)) return value.map(rename);
        if (typeof value === "object" && value !== null)
            return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rename(v)]));
        return value;
    };
    const outputs = {
        entryUrl: rendered.outputs.entryUrl.value,
        status: rendered.outputs.status.value,
        databases: rename(rendered.outputs.databases.value),
    } as PlatformOutputs;

    const admin = async (database: string, sql: string) => {
        const client = new Client({ ...server, database, connectionTimeoutMillis: 5000 });
        await client.connect();
        try {
            await client.query(sql);
        } finally {
            await client.end();
        }
    };
    const createdRoles: string[] = [];
    const createdDatabases: string[] = [];
    const cleanup = async () => {
        for (const database of createdDatabases.reverse())
            await admin("postgres", `DROP DATABASE IF EXISTS ${escapeIdentifier(database)} WITH (FORCE)`);
        for (const role of createdRoles.reverse())
            await admin("postgres", `DROP ROLE IF EXISTS ${escapeIdentifier(role)}`);
    };
    try {
        for (const step of replayPlan(
            rendered.registrations
                .filter((r) => r.type.startsWith("postgresql:"))
                .map((r) => ({ ...r, inputs: rename(reveal(r.inputs)) as Record<string, unknown> })),
        )) {
            if (step.role) createdRoles.push(step.role);
            if (step.database) createdDatabases.push(step.database);
            await admin(step.in, step.sql);
        }
    } catch (e) {
        await cleanup();
        throw e;
    }
    return { run, outputs, apps, admin, cleanup };
}

interface Step {
    in: string;
    sql: string;
    /** Created by this step, to drop afterwards. */
    role?: string;
    database?: string;
}

/** The provider's SQL for each resource, in the order the engine's dependencies allow. */
function replayPlan(registrations: Registration[]): Step[] {
    const ident = (value: unknown) => escapeIdentifier(String(value));
    const grantee = (role: unknown) => (role === "public" ? "PUBLIC" : ident(role));
    const groups: Step[] = [];
    const members: Step[] = [];
    const databases: Step[] = [];
    const grants: Step[] = [];
    const schemas: Step[] = [];
    for (const r of registrations) {
        const i = r.inputs;
        const expect = (known: string[]) => {
            const unknown = Object.keys(i).filter((k) => !known.includes(k));
            if (unknown.length > 0)
                throw new Error(
                    `the isolation fixture cannot replay ${r.type} ${r.name}: unknown inputs ${unknown.join(", ")}`,
                );
        };
        switch (r.type) {
            case "postgresql:index/role:Role": {
                expect(["name", "login", "password", "superuser", "createDatabase", "createRole", "roles"]);
                const memberOf = (i.roles as string[] | undefined) ?? [];
                const sql = [
                    `CREATE ROLE ${ident(i.name)}`,
                    i.login ? "LOGIN" : "NOLOGIN",
                    i.superuser ? "SUPERUSER" : "NOSUPERUSER",
                    i.createDatabase ? "CREATEDB" : "NOCREATEDB",
                    i.createRole ? "CREATEROLE" : "NOCREATEROLE",
                    i.password !== undefined ? `PASSWORD ${escapeLiteral(String(i.password))}` : "",
                ].join(" ");
                const grantsOf = memberOf.map((group) => `; GRANT ${ident(group)} TO ${ident(i.name)}`).join("");
                (memberOf.length > 0 ? members : groups).push({
                    in: "postgres",
                    sql: sql + grantsOf,
                    role: String(i.name),
                });
                break;
            }
            case "postgresql:index/database:Database":
                expect(["name", "owner"]);
                databases.push({
                    in: "postgres",
                    sql: `CREATE DATABASE ${ident(i.name)}${i.owner !== undefined ? ` OWNER ${ident(i.owner)}` : ""}`,
                    database: String(i.name),
                });
                break;
            case "postgresql:index/grant:Grant": {
                expect(["database", "role", "objectType", "privileges"]);
                if (i.objectType !== "database")
                    throw new Error(`the isolation fixture cannot replay ${r.name}: grants on ${String(i.objectType)}`);
                const privileges = i.privileges as string[];
                // The provider first revokes everything the role holds, then grants the list (empty: a pure revoke).
                const revoke = `REVOKE ALL PRIVILEGES ON DATABASE ${ident(i.database)} FROM ${grantee(i.role)}`;
                const grant =
                    privileges.length > 0
                        ? `; GRANT ${privileges.join(", ")} ON DATABASE ${ident(i.database)} TO ${grantee(i.role)}`
                        : "";
                grants.push({ in: "postgres", sql: revoke + grant });
                break;
            }
            case "postgresql:index/schema:Schema":
                expect(["name", "database", "owner"]);
                schemas.push({
                    in: String(i.database),
                    sql: `CREATE SCHEMA ${ident(i.name)}${i.owner !== undefined ? ` AUTHORIZATION ${ident(i.owner)}` : ""}`,
                });
                break;
            default:
                throw new Error(`the isolation fixture cannot replay ${r.type} ${r.name}`);
        }
    }
    return [...groups, ...members, ...databases, ...grants, ...schemas];
}
