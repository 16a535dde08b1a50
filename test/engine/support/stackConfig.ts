/**
 * What the engine suites' stacks share: secrets written as `pulumi config set --secret` writes them,
 * the local PostgreSQL server as an external one, and the cleanup of what a stack left on it.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { adminSql } from "../../support/localPostgres";
import type { EngineStack } from "./engine";

/** Drops what a stack of this suite leaves on the local server (its storage is retained on delete). */
export function dropDatabasesAndRoles(databases: string[], roles: string[]): void {
    for (const db of databases) adminSql("postgres", `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    for (const role of roles) adminSql("postgres", `DROP ROLE IF EXISTS "${role}"`);
}

/** A secret value for the stack file, as `pulumi config set --secret` writes it. */
export async function encrypted(stack: EngineStack, value: string): Promise<{ secure: string }> {
    const key = "probe";
    await stack.run([
        "config",
        "set",
        "--secret",
        "--stack",
        stack.stack,
        "--config-file",
        stack.configFile,
        key,
        value,
    ]);
    const doc = parse(readFileSync(stack.configFile, "utf8")) as { config: Record<string, { secure: string }> };
    const found = Object.entries(doc.config).find(([k]) => k.endsWith(`:${key}`));
    assert.ok(found, "config set wrote the value");
    return found[1];
}

/** The local server as the stacks' external PostgreSQL (trust on loopback: the password is never checked). */
export const localServer = (adminPassword: unknown, tenantsDatabase: string) => ({
    host: "127.0.0.1",
    port: 5432,
    adminUser: "postgres",
    adminPassword,
    sslMode: "disable",
    tenantsDatabase,
});
