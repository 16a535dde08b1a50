/**
 * The stack file `npm run up` deploys (cli/local/localStack.ts): the repo's sample stack with the
 * encryption salt and the locally built images set, comments kept, and nothing added that the
 * stack does not run. The CLI is run as `cli/local.sh` runs it, in a process of its own.
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { localStackText } from "../../cli/local/localStack";

const ROOT = path.resolve(__dirname, "../..");
const SCRIPT = path.join(ROOT, "cli/local/localStack.ts");
const sample = (stack: string) => readFileSync(path.join(ROOT, "stacks", `Pulumi.${stack}.yaml`), "utf8");
const IMAGES = { nocobase: "local/nocobase", postgres: "local/postgres:17", redis: "local/redis:7" };
const PLATFORM = "nocobase-platform:platform";

describe("the local stack file (cli/local/localStack.ts)", () => {
    it("dev: sets the salt and the images of the containers it runs, keeps the comments, adds no Redis", () => {
        const text = localStackText(sample("dev"), { salt: "v1:salt", images: IMAGES });
        const doc = parse(text);
        assert.equal(doc.encryptionsalt, "v1:salt");
        assert.equal(doc.config[PLATFORM].image, "local/nocobase");
        assert.equal(doc.config[PLATFORM].mode, "shared-memory", "the rest of the key is kept");
        assert.equal(doc.config["nocobase-platform:postgres"].image, "local/postgres:17");
        assert.ok(!("nocobase-platform:redis" in doc.config), "dev runs no Redis");
        assert.ok(text.includes("# The embedded default"), "comments are kept");
    });

    it("staging: no image for the external PostgreSQL server, one for the Redis container", () => {
        const doc = parse(localStackText(sample("staging"), { images: IMAGES }));
        assert.ok(!("image" in doc.config["nocobase-platform:postgres"]), "an external server takes no image");
        assert.equal(doc.config["nocobase-platform:redis"].image, "local/redis:7");
        assert.equal(doc.encryptionsalt, parse(sample("staging")).encryptionsalt, "the file's own salt is kept");
    });

    it("without overrides, the stack is the repo's", () => {
        assert.deepEqual(parse(localStackText(sample("dev"), { images: {} })), parse(sample("dev")));
    });

    describe("the command", () => {
        let dir: string;
        before(() => {
            dir = mkdtempSync(path.join(os.tmpdir(), "nocobase-local-stack-"));
        });
        after(() => rmSync(dir, { recursive: true, force: true }));

        const run = (args: string[]) =>
            spawnSync(process.execPath, ["--import", "tsx", SCRIPT, ...args], { cwd: ROOT, encoding: "utf8" });

        it("writes the stack it is named (dev unless told) with the overrides it is given", () => {
            const out = path.join(dir, "Pulumi.staging.yaml");
            execFileSync(
                process.execPath,
                [
                    "--import",
                    "tsx",
                    SCRIPT,
                    "--stack",
                    "staging",
                    "--out",
                    out,
                    "--salt",
                    "v1:s",
                    "--image-redis",
                    "r:1",
                ],
                { cwd: ROOT },
            );
            assert.equal(
                readFileSync(out, "utf8"),
                localStackText(sample("staging"), { salt: "v1:s", images: { redis: "r:1" } }),
            );
            const dev = path.join(dir, "Pulumi.dev.yaml");
            const nocobase = run(["--out", dev, "--image-nocobase", "n", "--image-postgres", "p:1"]);
            assert.equal(nocobase.status, 0, nocobase.stderr);
            assert.equal(
                readFileSync(dev, "utf8"),
                localStackText(sample("dev"), { images: { nocobase: "n", postgres: "p:1" } }),
            );
        });

        it("refuses to run without --out, and an option it does not know, with its usage (exit 2)", () => {
            const noOut = run(["--stack", "dev"]);
            assert.equal(noOut.status, 2);
            assert.match(noOut.stderr, /^--out is required\nusage: tsx cli\/local\/localStack.ts --out FILE/);
            const unknown = run(["--out", path.join(dir, "x.yaml"), "--image-redi", "x"]);
            assert.equal(unknown.status, 2);
            assert.match(unknown.stderr, /^unknown argument --image-redi \(did you mean --image-redis\?\)\nusage: /);
        });

        it("prints its usage for --help, and exits 0", () => {
            const help = run(["--help"]);
            assert.equal(help.status, 0);
            assert.match(help.stdout, /^usage: tsx cli\/local\/localStack.ts /);
        });
    });
});
