/**
 * Secrets audit: the real program rendered under mocks, for every sample stack and a generated
 * large one, never puts a secret value in plain text into a resource input, a non-secret stack
 * output, or anything written while it runs.
 *
 * The secret values are known exactly: the mock results of every random resource, the per-app
 * values derived from the stack key, the config secrets (the sample stacks' `secure:` placeholders,
 * and distinct random values in the generated stack).
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { Rendered, SecretValue, mockSecret, renderProgram, reveal } from "../../cli/harness/render";
import { parseStackFile, readStackFile, stackFilePath } from "../../components/config/stackFile";
import { PROJECT } from "../../components/core/project";
import { cliConfigValues, derived, editedStackText, knownSecrets, plainStrings, stackConfig } from "../support/stacks";
import { PROJECT_ROOT } from "../../components/core/project";

const SAMPLE_STACKS = readdirSync(path.join(PROJECT_ROOT, "stacks"))
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined);

const figures = { renders: 0, secrets: 0, plain: 0 };

/** Everything written to stdout and stderr while `work` runs: console, pulumi.log, direct writes. */
async function capturingOutput<T>(work: () => Promise<T>): Promise<{ result: T; output: string }> {
    const chunks: string[] = [];
    const streams = [process.stdout, process.stderr];
    const originals = streams.map((s) => s.write);
    for (const stream of streams) {
        stream.write = ((chunk: unknown, ...rest: unknown[]) => {
            chunks.push(Buffer.isBuffer(chunk) ? chunk.toString("utf8") : String(chunk));
            const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
            done?.();
            return true;
        }) as typeof stream.write;
    }
    try {
        return { result: await work(), output: chunks.join("") };
    } finally {
        streams.forEach((s, i) => (s.write = originals[i]));
    }
}

interface Audited {
    rendered: Rendered;
    output: string;
}

async function renderAudited(stack: string, values: Record<string, string>, secretKeys: string[]): Promise<Audited> {
    // Proves the capture sees the program's log calls: under mocks they go to the console.
    const canary = `log-canary-${randomBytes(6).toString("hex")}`;
    const { result, output } = await capturingOutput(async () => {
        await pulumi.log.info(canary);
        return renderProgram({ stack, values, secretKeys });
    });
    assert.ok(output.includes(canary), "pulumi.log output is captured");
    return { rendered: result, output };
}

/** Where a secret shows in plain text: resource names and inputs, non-secret outputs, output written. */
function plainTextLeaks({ rendered, output }: Audited, secrets: Set<string>): string[] {
    const leaks: string[] = [];
    const scan = (where: string, text: string) => {
        for (const secret of secrets) if (text.includes(secret)) leaks.push(`${where} holds ${secret.slice(0, 12)}...`);
    };
    // Many inputs repeat (provider code, env lists): each distinct string is scanned once.
    const seen = new Set<string>();
    for (const r of rendered.registrations) {
        scan(`resource name ${r.urn}`, r.urn);
        for (const [at, text] of plainStrings(r.inputs)) {
            if (seen.has(text)) continue;
            seen.add(text);
            scan(`${r.name}.${at}`, text);
        }
    }
    for (const [name, out] of Object.entries(rendered.outputs)) {
        if (out.secret) continue;
        for (const [at, text] of plainStrings(out.value)) scan(`output ${name}${at ? `.${at}` : ""}`, text);
    }
    scan("program output", output);
    figures.renders++;
    figures.secrets += secrets.size;
    figures.plain += leaks.length;
    return leaks;
}

/** Proves the audit looks for values that really are there: each must sit inside a secret. */
function assertPresentAsSecrets(rendered: Rendered, mustAppear: string[]): void {
    const inSecrets = new Set<string>();
    const collect = (value: unknown, secret: boolean) => {
        if (value instanceof SecretValue) return collect(value.value, true);
        if (typeof value === "string" && secret) inSecrets.add(value);
        else if (Array.isArray(value)) value.forEach((v) => collect(v, secret));
        else if (typeof value === "object" && value !== null) Object.values(value).forEach((v) => collect(v, secret));
    };
    for (const r of rendered.registrations) collect(r.inputs, false);
    const within = [...inSecrets].join("\n");
    for (const value of mustAppear)
        assert.ok(within.includes(value), `${value.slice(0, 16)}... reaches some resource as a secret`);
}

function secretValue(label: string): string {
    return `${label}-${randomBytes(12).toString("hex")}`;
}

/** 200 apps over three environments on two runtimes, every database mode, every kind of config secret. */
function largeStack(apps = 200) {
    const redisPassword = secretValue("redis");
    const config: Record<string, any> = {
        platform: { mode: "multi-environment", nocobaseVersion: "2.2.15" },
        runtimes: {
            eu: { type: "kubernetes", context: "prod-eu", namespace: "nocobase", clusterIssuer: "letsencrypt" },
            edge: { type: "docker", host: "ssh://deploy@edge.example.com" },
        },
        postgres: {
            host: "pg.example.com",
            adminUser: "nocobase_admin",
            adminPassword: secretValue("pg-admin"),
            sslMode: "verify-full",
        },
        redis: { url: `rediss://:${redisPassword}@redis.example.com:6380` },
        entry: { runtime: "eu", domain: "apps.example.com" },
        environments: [
            { name: "eu_1", runtime: "eu" },
            { name: "eu_2", runtime: "eu", replicas: 2 },
            { name: "edge_1", runtime: "edge", url: "https://edge-1.example.com" },
        ],
        apps: [] as Array<Record<string, unknown>>,
    };
    const modes = ["database", "schema", "connection"] as const;
    for (let i = 0; i < apps; i++) {
        const mode = modes[i % modes.length];
        const database: Record<string, unknown> = { mode };
        if (mode === "connection")
            Object.assign(database, {
                host: `db${i}.example.com`,
                user: `app_${i}`,
                database: `tenant_${i}`,
                password: secretValue(`conn-${i}`),
                ...(i % 2 ? { schema: "nocobase" } : {}),
            });
        config.apps.push({
            id: `t${i}`,
            displayName: `Tenant ${i}`,
            environment: config.environments[i % config.environments.length].name,
            database,
            ...(i % 3 === 0 ? { domain: `t${i}.apps.example.com` } : {}),
            ...(i % 5 === 0 ? { jwtSecret: "shared" } : {}),
            ...(i % 7 === 0 ? { state: "stopped" } : {}),
        });
    }
    const configSecrets = [
        config.postgres.adminPassword,
        config.redis.url,
        redisPassword,
        ...config.apps.flatMap((a: { database: { password?: string } }) =>
            a.database.password ? [a.database.password] : [],
        ),
    ];
    const values = cliConfigValues(config);
    return { config, values, secretKeys: ["postgres", "redis", "apps"].map((k) => `${PROJECT}:${k}`), configSecrets };
}

describe("secrets audit", function () {
    this.timeout(120_000);

    after(() => {
        console.log(
            `      secrets audit figures: ${figures.secrets} secret values checked over ${figures.renders} renders, ${figures.plain} found in plain text`,
        );
    });

    for (const stack of SAMPLE_STACKS) {
        it(`${stack}: no secret in plain text in any resource input, non-secret output or log line`, async () => {
            const file = readStackFile(stackFilePath(stack));
            const audited = await renderAudited(stack, file.values, file.secretKeys);
            const config = stackConfig(file);
            const secrets = knownSecrets(audited.rendered, config, []);
            assert.deepEqual(plainTextLeaks(audited, secrets), []);
            assert.equal(audited.rendered.outputs.databases.secret, true, "the databases output is secret");
            const tenants = (reveal(audited.rendered.outputs.databases.value) as any).tenants as Record<
                string,
                { password: string }
            >;
            for (const [id, t] of Object.entries(tenants))
                assert.ok(secrets.has(t.password), `${id}: its password is one of the audited secrets`);
        });
    }

    it("a generated stack of 200 apps, every database mode and config secret: none in plain text", async () => {
        const { config, values, secretKeys, configSecrets } = largeStack();
        const audited = await renderAudited("large", values, secretKeys);
        const secrets = knownSecrets(audited.rendered, config, configSecrets);
        assert.deepEqual(plainTextLeaks(audited, secrets), []);
        assert.equal(audited.rendered.outputs.databases.secret, true, "the databases output is secret");
        const databases = reveal(audited.rendered.outputs.databases.value) as any;
        assert.equal(Object.keys(databases.tenants).length, 200);
        for (const [id, t] of Object.entries(databases.tenants as Record<string, { password: string }>))
            assert.ok(secrets.has(t.password), `${id}: its password is one of the audited secrets`);
        // Config secrets, the admin password, the AES key and a derived JWT secret all reach resources.
        const adminPassword = audited.rendered.registrations.find((r) => r.name.endsWith("-admin-password"))!;
        assertPresentAsSecrets(audited.rendered, [
            ...configSecrets,
            derived(mockSecret("platform-secrets-derivation-key"), "aes"),
            mockSecret(adminPassword.name),
            derived(mockSecret("platform-secrets-derivation-key"), "jwt:t1"),
        ]);
    });

    it("a configuration error names the key, never the secret value", async () => {
        const { values, secretKeys } = largeStack(3);
        const password = secretValue("Not A Redis URL");
        values[`${PROJECT}:redis`] = JSON.stringify({ url: password });
        const { result: message, output } = await capturingOutput(() =>
            renderProgram({ stack: "broken", values, secretKeys }).then(
                () => "",
                (e: Error) => e.message,
            ),
        );
        assert.match(message, /redis\.url: must be a redis:\/\/ or rediss:\/\/ URL/);
        assert.ok(!message.includes(password) && !output.includes(password), message);
    });

    it("the program decides per key path from the stack file the engine read, and falls back to top-level keys for another", async () => {
        // The engine tells the program only which top-level keys hold a secret: here apps, twice over.
        const stack = `secrecy-${randomBytes(4).toString("hex")}`;
        const file = stackFilePath(stack);
        const connection = (id: string, password: unknown) => ({
            id,
            displayName: { secure: "v1:abc" },
            database: { mode: "connection", host: `${id}.example.com`, user: id, password, database: id },
        });
        const text = editedStackText("dev", (c) =>
            c.apps.push(connection("bi", { secure: "v1:def" }), connection("ops", "plain-password")),
        );
        const render = (values: Record<string, string>, secretKeys: string[]) =>
            renderProgram({ stack, values, secretKeys }).then(
                () => "",
                (e: Error) => e.message,
            );
        writeFileSync(file, text);
        try {
            const { values, secretKeys } = parseStackFile(text, stack);
            assert.deepEqual(secretKeys, [`${PROJECT}:apps`]);
            const message = await render(values, secretKeys);
            assert.match(message, /^apps\[3\]\.displayName: must not be stored encrypted/m);
            assert.match(message, /^apps\[4\]\.database\.password: must be stored encrypted/m);
            assert.ok(!message.includes("plain-password"), message);
            // A config that is not this file's (as under --config-file): nothing but top-level keys to go by.
            const other = { ...values, [`${PROJECT}:entry`]: JSON.stringify({ runtime: "local", port: 13001 }) };
            assert.equal(await render(other, secretKeys), "");
        } finally {
            rmSync(file, { force: true });
        }
    });
});
