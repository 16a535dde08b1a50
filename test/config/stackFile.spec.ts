/**
 * The stack file as the CLI reads it, at the level below validation: its name, its bytes, its YAML,
 * its `secure:` values, and whether a program's config is this file's.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    StackFileError,
    decodeStackFile,
    describesConfig,
    parseStackFile,
    stackFilePath,
    stackNameOf,
} from "../../components/config/stackFile";

const refused = (message: string) => ({ constructor: StackFileError, message });

describe("stack file: where it is and what stack it names", () => {
    it("takes the stack's name from Pulumi.<stack>.yaml or .yml, else the file's own name", () => {
        assert.equal(stackNameOf("/s/Pulumi.prod.yaml"), "prod");
        assert.equal(stackNameOf("/s/Pulumi.eu.prod.yml"), "eu.prod");
        assert.equal(stackNameOf("/s/edited.yml"), "edited");
        assert.equal(stackNameOf("/s/edited.yaml"), "edited");
        assert.equal(stackNameOf("/s/edited.json"), "edited.json");
    });

    it("looks next to Pulumi.yaml when the project names no stackConfigDir", () => {
        const root = mkdtempSync(path.join(os.tmpdir(), "stack-root-"));
        try {
            writeFileSync(path.join(root, "Pulumi.yaml"), "name: p\nruntime: nodejs\n");
            assert.equal(stackFilePath("dev", root), path.join(root, "Pulumi.dev.yaml"));
            writeFileSync(path.join(root, "Pulumi.yaml"), "name: p\nstackConfigDir: stacks\n");
            assert.equal(stackFilePath("dev", root), path.join(root, "stacks", "Pulumi.dev.yaml"));
        } finally {
            rmSync(root, { recursive: true, force: true });
        }
    });

    it("names the line of invalid UTF-8, the last one without a newline too", () => {
        const bytes = Buffer.concat([Buffer.from("config:\n  a: b\n  c: "), Buffer.from([0xff])]);
        assert.throws(() => decodeStackFile(bytes), refused("line 3: not valid UTF-8"));
        assert.throws(() => decodeStackFile(Buffer.from([0x0a, 0xff])), refused("line 2: not valid UTF-8"));
    });
});

describe("stack file: its YAML", () => {
    const read = (text: string) => parseStackFile(text, "dev");

    it("reads an empty file as no config", () => {
        for (const text of ["", "config:\n"]) {
            const file = read(text);
            assert.deepEqual([Object.keys(file.values), file.issues], [[], []], JSON.stringify(text));
        }
    });

    it("refuses what is not a mapping of config, and aliases past the reader's bound", () => {
        assert.throws(
            () => read("- a\n"),
            refused("expected a mapping with a config key at the top of the stack file"),
        );
        assert.throws(() => read("config: [a]\n"), refused("config: expected a mapping of keys to values"));
        const laughs = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
        for (let i = 1; i < 6; i++)
            laughs.push(
                `${"b".repeat(i)}: &${"b".repeat(i)} [${Array(10)
                    .fill(`*${i === 1 ? "a" : "b".repeat(i - 1)}`)
                    .join(", ")}]`,
            );
        assert.throws(
            () => read(`${laughs.join("\n")}\n`),
            (e: Error) => e instanceof StackFileError && /^not valid YAML: /.test(e.message),
        );
    });

    it("refuses what the YAML reader only warns of, as the CLI does", () => {
        assert.throws(
            () => read("config:\n  nocobase-platform:x: !vault secret\n"),
            (e: Error) => e instanceof StackFileError && /^not valid YAML: .*!vault/.test(e.message),
        );
    });

    it("says which key of the file is unknown, and which it likely meant", () => {
        assert.deepEqual(read("config: {}\nconfg: {}\nzzz: 1\n").issues, [
            {
                path: "confg",
                message:
                    "unknown key of a stack file (expected one of config, secretsprovider, encryptedkey, encryptionsalt, environment); did you mean config?",
            },
            {
                path: "zzz",
                message:
                    "unknown key of a stack file (expected one of config, secretsprovider, encryptedkey, encryptionsalt, environment)",
            },
        ]);
    });

    it("names both spellings of a key given inside and outside config:", () => {
        const file = read("config:\n  nocobase-platform:redis: {}\nnocobase-platform:redis: {}\n");
        assert.deepEqual(file.issues, [
            { path: "nocobase-platform:redis", message: "is outside config: (indent it under config:)" },
            {
                path: "redis",
                message: "given twice, as nocobase-platform:redis and nocobase-platform:redis outside config:",
            },
        ]);
    });
});

describe("stack file: values", () => {
    const read = (text: string) => parseStackFile(text, "dev");

    it("keeps a secure: value secret, and records where only for the project's own keys", () => {
        const file = read(
            [
                "config:",
                "  nocobase-platform:postgres: { adminPassword: { secure: v1 }, list: [{ secure: v2 }] }",
                "  aws:token: { secure: v3 }",
                "  nocobase-platform:entry: { a: { secure: v4, note: x }, b: { secure: 7 } }",
                "",
            ].join("\n"),
        );
        assert.deepEqual(file.secretKeys, ["nocobase-platform:postgres", "aws:token"]);
        assert.deepEqual(file.encryptedPaths, ["postgres.adminPassword", "postgres.list[0]"]);
        assert.equal(file.values["aws:token"], "[secret]");
        // Only a mapping of exactly one string `secure` is a secret.
        assert.deepEqual(JSON.parse(file.values["nocobase-platform:entry"]), {
            a: { secure: "v4", note: "x" },
            b: { secure: 7 },
        });
    });

    it("refuses each infinite number by how it was written", () => {
        const file = read("config:\n  nocobase-platform:x: [.inf, -.inf, .nan]\n");
        assert.deepEqual(
            file.issues.map((i) => [i.path, i.message]),
            [
                ["x[0]", "expected a finite number, got .inf (which no config value can hold)"],
                ["x[1]", "expected a finite number, got -.inf (which no config value can hold)"],
                ["x[2]", "expected a finite number, got .nan (which no config value can hold)"],
            ],
        );
    });
});

describe("stack file: whether a program's config is this file's", () => {
    const file = parseStackFile(
        [
            "config:",
            "  nocobase-platform:postgres: { adminPassword: { secure: v1 }, port: 5432 }",
            "  nocobase-platform:apps: [a, b]",
            "  aws:region: eu-west-1",
            "",
        ].join("\n"),
        "dev",
    );
    const given = (): Record<string, string> => ({
        "nocobase-platform:postgres": JSON.stringify({ adminPassword: "decrypted", port: 5432 }),
        "nocobase-platform:apps": JSON.stringify(["a", "b"]),
        "aws:region": "us-east-1",
    });
    const secrets = ["nocobase-platform:postgres", "aws:token"];

    it("is, with a decrypted string for each secret, whatever other namespaces hold", () => {
        assert.equal(describesConfig(file, given(), secrets), true);
        const { "aws:region": _, ...withoutOthers } = given();
        assert.equal(describesConfig(file, withoutOthers, ["nocobase-platform:postgres"]), true);
    });

    it("is not, for another key, secret, value, list or mapping", () => {
        const cases: Array<[string, Record<string, string>, string[]]> = [
            ["a key more", { ...given(), "nocobase-platform:redis": "{}" }, secrets],
            ["a secret less", given(), ["aws:token"]],
            ["a secret more", given(), [...secrets, "nocobase-platform:apps"]],
            [
                "a secret not a string",
                { ...given(), "nocobase-platform:postgres": '{"adminPassword":1,"port":5432}' },
                secrets,
            ],
            [
                "another value",
                { ...given(), "nocobase-platform:postgres": '{"adminPassword":"x","port":5433}' },
                secrets,
            ],
            ["a list longer", { ...given(), "nocobase-platform:apps": '["a","b","c"]' }, secrets],
            ["a list other", { ...given(), "nocobase-platform:apps": '["a","c"]' }, secrets],
            ["a list's prefix", { ...given(), "nocobase-platform:apps": '["a"]' }, secrets],
            ["not a list", { ...given(), "nocobase-platform:apps": '"a,b"' }, secrets],
            [
                "a mapping's key more",
                { ...given(), "nocobase-platform:postgres": '{"adminPassword":"x","port":5432,"host":"h"}' },
                secrets,
            ],
            [
                "a mapping's key other",
                { ...given(), "nocobase-platform:postgres": '{"adminPassword":"x","host":5432}' },
                secrets,
            ],
            ["not a mapping", { ...given(), "nocobase-platform:postgres": '["x", 5432]' }, secrets],
        ];
        for (const [title, all, secretKeys] of cases)
            assert.equal(describesConfig(file, all, secretKeys), false, title);
    });
});
