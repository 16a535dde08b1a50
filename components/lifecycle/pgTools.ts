/**
 * PostgreSQL's own client tools (pg_dump, pg_restore, psql) as the providers run them on the machine
 * that runs `pulumi up`: every dump is written, read back and fingerprinted the same way, whether a
 * decommission, an upgrade or a restore asks for it.
 *
 * Bundled into the providers (providerBundle.ts): Node's built-ins only.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";

/** A PostgreSQL login as the machine running `pulumi up` reaches the server. */
export interface PgLogin {
    host: string;
    port: number;
    user: string;
    password: string;
    sslMode: string;
}

/** A login to one database, or to one schema in it. */
export type PgTarget = PgLogin & { database: string; schema?: string };

/** What a dump leaves behind, checked: where, how big, and its SHA-256. */
export interface DumpFile {
    file: string;
    bytes: number;
    sha256: string;
}

/** Identifiers reach SQL and file names: the same strict rule as the configuration's. */
export const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
export const DUMP_TIMEOUT_MS = 30 * 60_000;
export const SQL_TIMEOUT_MS = 5 * 60_000;
/**
 * The file beside each dump that holds its SHA-256 in `sha256sum`'s format: the fingerprint travels
 * with the dump when it is copied to another stack or server, and a restore checks it.
 */
export const SHA256_SUFFIX = ".sha256";

export function pgEnv(login: PgLogin): NodeJS.ProcessEnv {
    return { ...process.env, PGPASSWORD: login.password, PGSSLMODE: login.sslMode, PGCONNECT_TIMEOUT: "30" };
}

export async function execTool(
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    timeout: number,
): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(command, args, { env, timeout, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
            if (err)
                reject(
                    new Error(
                        `${command} failed: ${String(stderr || err.message)
                            .trim()
                            .split("\n")
                            .slice(-3)
                            .join(" | ")}`,
                    ),
                );
            else resolve(stdout);
        });
    });
}

export async function sha256(file: string): Promise<string> {
    const hash = createHash("sha256");
    for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
    return hash.digest("hex");
}

function connectionArgs(login: PgLogin, database: string): string[] {
    return ["-h", login.host, "-p", String(login.port), "-U", login.user, "-d", database];
}

/**
 * Dumps a database (or one schema of it) in pg_dump's custom format into `file`, proves that the
 * archive reads back (`pg_restore --list`), and writes its SHA-256 beside it.
 */
export async function dumpTo(target: PgTarget, file: string): Promise<DumpFile> {
    const args = [...connectionArgs(target, target.database), "-Fc", "--no-owner", "-f", file];
    if (target.schema) args.push("-n", target.schema);
    await execTool("pg_dump", args, pgEnv(target), DUMP_TIMEOUT_MS);
    await execTool("pg_restore", ["--list", file], process.env, SQL_TIMEOUT_MS);
    const digest = await sha256(file);
    fs.writeFileSync(`${file}${SHA256_SUFFIX}`, `${digest}  ${file.split("/").pop()}\n`);
    return { file, bytes: fs.statSync(file).size, sha256: digest };
}

/** Runs SQL as `login` in `database`, stopping at the first error; returns psql's unaligned rows. */
export async function psql(login: PgLogin, database: string, sql: string): Promise<string> {
    const out = await execTool(
        "psql",
        [...connectionArgs(login, database), "-v", "ON_ERROR_STOP=1", "-X", "-q", "-At", "-c", sql],
        pgEnv(login),
        SQL_TIMEOUT_MS,
    );
    return out.trim();
}

/** pg_restore's table of contents of an archive: one line per entry, comments left out. */
export async function archiveEntries(file: string): Promise<string[]> {
    const listing = await execTool("pg_restore", ["--list", file], process.env, SQL_TIMEOUT_MS);
    return listing.split("\n").filter((l) => l.trim() !== "" && !l.startsWith(";"));
}

/** Restores the entries of `listFile` (pg_restore's `-L`) from `file` into `target`, all or nothing. */
export async function restoreFrom(target: PgTarget, file: string, listFile: string): Promise<void> {
    await execTool(
        "pg_restore",
        [
            ...connectionArgs(target, target.database),
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            "-L",
            listFile,
            file,
        ],
        pgEnv(target),
        DUMP_TIMEOUT_MS,
    );
}
