/**
 * What a suite reads off a stack it deployed on the Docker runtime: a free loopback port to
 * publish, the PostgreSQL container's admin password, each tenant's own login (psql through the
 * published port) and the supervisor client the stack registered its apps with.
 */
import * as assert from "node:assert/strict";
import { createServer } from "node:net";
import { SupervisorClient, createSupervisorClient } from "../../../components/supervisor";
import { psql as runPsql } from "../../support/localPostgres";
import { EngineStack, revealed } from "./engine";

export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as { port: number };
            server.close(() => resolve(port));
        });
    });
}

/** The PostgreSQL container's admin password, as the stack generated it. */
export async function postgresAdminPassword(stack: EngineStack): Promise<string> {
    const state = JSON.parse(await stack.export(true));
    const pw = state.deployment.resources.find(
        (r: any) =>
            r.type === "random:index/randomPassword:RandomPassword" && r.urn.endsWith("platform-postgres-password"),
    );
    assert.ok(pw, "the PostgreSQL admin password in the state");
    return revealed<string>(pw.outputs.result);
}

/** psql through the published port as `user`. */
export function psqlAt(pgPort: number, user: string, password: string, database: string, sql: string): string {
    return runPsql({ host: "127.0.0.1", port: pgPort, user, password }, database, sql);
}

/** Runs SQL as a tenant's own role in its own database: where NocoBase writes its rows. */
export async function tenantSql(stack: EngineStack, pgPort: number, app: string, sql: string): Promise<string> {
    const databases = await stack.output<{
        tenants: Record<string, { database: string; user: string; password: string }>;
    }>("databases", true);
    const t = databases.tenants[app];
    assert.ok(t, `${app} in the databases output`);
    return psqlAt(pgPort, t.user, t.password, t.database, sql);
}

/** The supervisor the stack registered its apps with, logged in with the stack's own credentials. */
export async function stackSupervisor(stack: EngineStack, entryPort: number): Promise<SupervisorClient> {
    const state = JSON.parse(await stack.export(true));
    const reg = state.deployment.resources.find((r: any) => r.type === "pulumi-nodejs:dynamic/nocobase:App");
    assert.ok(reg, "a registration in the state");
    return createSupervisorClient({
        baseUrl: `http://127.0.0.1:${entryPort}`,
        adapter: "applications",
        auth: revealed(reg.outputs.credentials),
    });
}
