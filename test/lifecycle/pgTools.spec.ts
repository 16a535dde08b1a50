/**
 * PostgreSQL's client tools as the providers run them: what a failed tool's error says, what
 * reaches the tool's environment, and an archive's table of contents read off a real dump.
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { archiveEntries, dumpTo, execTool, pgEnv } from "../../components/lifecycle/pgTools";
import { adminSql, localAdminLogin } from "../support/localPostgres";

describe("PostgreSQL client tools", function () {
    this.timeout(60_000);

    it("a failed tool's error is its name and the last three lines of what it wrote to stderr", async () => {
        const script = "printf 'one\\ntwo\\nthree\\nfour\\n' >&2; exit 3";
        await assert.rejects(execTool("sh", ["-c", script], process.env, 10_000), {
            message: "sh failed: two | three | four",
        });
    });

    it("a tool that cannot start, or that writes nothing to stderr, fails with the reason Node gives", async () => {
        await assert.rejects(execTool("no-such-pg-tool", [], process.env, 10_000), {
            message: "no-such-pg-tool failed: spawn no-such-pg-tool ENOENT",
        });
        await assert.rejects(execTool("sh", ["-c", "exit 4"], process.env, 10_000), {
            message: "sh failed: Command failed: sh -c exit 4",
        });
    });

    it("runs the tool with the environment given, and stops it at the timeout", async () => {
        assert.equal(await execTool("sh", ["-c", 'printf %s "$PGPASSWORD"'], { PGPASSWORD: "pw" }, 10_000), "pw");
        const started = Date.now();
        await assert.rejects(execTool("sleep", ["20"], process.env, 200), /^Error: sleep failed/);
        assert.ok(Date.now() - started < 10_000, `stopped after ${Date.now() - started} ms`);
    });

    it("hands a login's password and TLS mode to the tools, and a connect timeout", () => {
        const env = pgEnv({ host: "db", port: 5432, user: "crm", password: "s3cret", sslMode: "require" });
        assert.deepEqual([env.PGPASSWORD, env.PGSSLMODE, env.PGCONNECT_TIMEOUT], ["s3cret", "require", "30"]);
        assert.equal(env.PATH, process.env.PATH);
    });

    describe("on a real dump", () => {
        const db = `pgtools_${randomBytes(4).toString("hex")}`;
        let dir: string;
        before(() => {
            dir = mkdtempSync(path.join(tmpdir(), "nocobase-pgtools-"));
            adminSql("postgres", `CREATE DATABASE ${db}`);
            adminSql(db, "CREATE TABLE deals (id int); COMMENT ON TABLE deals IS 'x'");
        });
        after(() => {
            adminSql("postgres", `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
            rmSync(dir, { recursive: true, force: true });
        });

        it("lists the archive's entries without pg_restore's comment and blank lines, and records the SHA-256 as sha256sum does", async () => {
            const file = path.join(dir, "crm.dump");
            const dump = await dumpTo({ ...localAdminLogin(), database: db }, file);
            assert.equal(readFileSync(`${file}.sha256`, "utf8"), `${dump.sha256}  crm.dump\n`);
            const entries = await archiveEntries(file);
            assert.ok(
                entries.some((e) => / TABLE public deals /.test(e)),
                entries.join("\n"),
            );
            assert.ok(
                entries.some((e) => / COMMENT public TABLE deals /.test(e)),
                entries.join("\n"),
            );
            for (const e of entries) assert.match(e, /^\d+; \d+ \d+ /);
        });
    });
});
