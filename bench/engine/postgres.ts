/**
 * A PostgreSQL cluster of the benchmark's own, from the machine's PostgreSQL installation (the one
 * `.ci/services.sh` serves on 127.0.0.1:5432): initdb into a temporary directory, trust on
 * loopback, role postgres, a free port on 127.0.0.1, default settings otherwise (fsync on).
 *
 * Why not the shared server itself: the platform names the entry app's database `nocobase_main`
 * and the schema tenants' group role `nocobase_tenants_members` on every stack, so a second stack
 * on the same server (a test suite running at the same time) would share, and the benchmark's
 * clean-up would drop, the other's objects.
 */
import { execFileSync } from "node:child_process";
import { chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const BIN = path.join(
    "/usr/lib/postgresql",
    readdirSync("/usr/lib/postgresql")
        .sort((a, b) => Number(a) - Number(b))
        .pop() ?? "",
    "bin",
);

/** As the postgres user when run as root: PostgreSQL refuses to run as root. */
function asOwner(cmd: string, args: string[]): string {
    const argv =
        process.getuid?.() === 0
            ? ["runuser", "-u", "postgres", "--", path.join(BIN, cmd), ...args]
            : [path.join(BIN, cmd), ...args];
    return execFileSync(argv[0], argv.slice(1), {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 120_000,
    });
}

export class PrivatePostgres {
    readonly dir: string;
    private readonly data: string;
    private started = false;

    constructor(readonly port: number) {
        this.dir = mkdtempSync(path.join(os.tmpdir(), "nocobase-bench-pg-"));
        this.data = path.join(this.dir, "data");
        if (process.getuid?.() === 0) {
            const pg = execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim();
            const group = execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim();
            chownSync(this.dir, Number(pg), Number(group));
        }
    }

    start(): void {
        asOwner("initdb", [
            "-D",
            this.data,
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-instructions",
            "-E",
            "UTF8",
            "--locale",
            "C.UTF-8",
        ]);
        // Each tenant's role and database is a few statements; connections stay few. The log is kept
        // for a look at what the server did.
        writeFileSync(
            path.join(this.data, "postgresql.auto.conf"),
            [
                `listen_addresses = '127.0.0.1'`,
                `port = ${this.port}`,
                `unix_socket_directories = '${this.dir}'`,
                `max_connections = 300`,
                "",
            ].join("\n"),
        );
        asOwner("pg_ctl", ["-D", this.data, "-l", path.join(this.dir, "server.log"), "-w", "-t", "60", "start"]);
        this.started = true;
    }

    stop(): void {
        if (this.started) {
            try {
                asOwner("pg_ctl", ["-D", this.data, "-m", "fast", "-w", "-t", "60", "stop"]);
            } catch {
                // Gone already: the directory goes either way.
            }
        }
        rmSync(this.dir, { recursive: true, force: true });
    }
}
