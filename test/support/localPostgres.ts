/** The local test server's admin role (overridable the way libpq is), and psql as that role. */
import { execFileSync } from "node:child_process";

export interface AdminConnection {
    host: string;
    port: number;
    user: string;
}

export function localAdmin(): AdminConnection {
    return {
        host: process.env.PGHOST ?? "127.0.0.1",
        port: Number(process.env.PGPORT ?? 5432),
        user: process.env.PGUSER ?? "postgres",
    };
}

/** Runs one statement as the admin in `database`; returns its rows as psql prints them unaligned, trimmed. */
export function adminSql(database: string, statement: string): string {
    const server = localAdmin();
    return execFileSync(
        "psql",
        [
            "-h",
            server.host,
            "-p",
            String(server.port),
            "-U",
            server.user,
            "-d",
            database,
            "-X",
            "-q",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            statement,
        ],
        // NOTICEs such as "does not exist, skipping" are not the test's output.
        { encoding: "utf8", env: { ...process.env, PGOPTIONS: "-c client_min_messages=warning" } },
    ).trim();
}
