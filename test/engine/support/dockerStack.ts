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

/**
 * Ports a container publishes are picked below Linux's ephemeral range (32768-60999): a port the
 * kernel hands out is also the local end of any outgoing connection, and one taken that way between
 * this pick and the container's start failed a run ("address already in use").
 */
const PUBLISHED_PORTS = { from: 20_000, to: 32_000 };

/** True when nothing listens on `port` on any address (docker-proxy binds 0.0.0.0). */
function bindable(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = createServer();
        server.once("error", () => resolve(false));
        server.listen(port, "0.0.0.0", () => server.close(() => resolve(true)));
    });
}

/** A port to publish on the Docker host, free now, outside the ephemeral range. */
export async function freePort(): Promise<number> {
    const span = PUBLISHED_PORTS.to - PUBLISHED_PORTS.from;
    const start = Math.floor(Math.random() * span);
    for (let i = 0; i < 200; i++) {
        const port = PUBLISHED_PORTS.from + ((start + i * 7919) % span);
        if (await bindable(port)) return port;
    }
    throw new Error(`no free port in ${PUBLISHED_PORTS.from}-${PUBLISHED_PORTS.to} after 200 tries`);
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
