/**
 * The plan's secret-mark check on hand-made renders: which values count as secret-bearing (a field
 * named like a credential, a Docker `NAME=value` entry or a Kubernetes `{name, value}` entry with a
 * secret variable's name, anywhere in the inputs or in an unmarked stack output), and the path each
 * finding names. The expected paths are written out here, from the format each runtime uses.
 */
import * as assert from "node:assert/strict";
import { SECRET_MARKS_POLICY, checkSecretMarks } from "../../cli/plan/secretMarks";
import { Registration, Rendered, SecretValue, StackOutput } from "../../cli/harness/render";

function rendered(inputs: Record<string, unknown>, outputs: Record<string, StackOutput> = {}): Rendered {
    const registration = { name: "r", urn: "urn:pulumi:s::p::t::r", type: "t", inputs } as Registration;
    return { registrations: [registration], outputs } as Rendered;
}

/** Where each finding is, as its message names it. */
const where = (r: Rendered) =>
    checkSecretMarks(r).map((f) => {
        assert.equal(f.policy, SECRET_MARKS_POLICY);
        assert.equal(f.enforcementLevel, "mandatory");
        assert.match(f.message, / holds a secret in plain text \(not marked secret\)$/);
        return f.message.replace(/ holds a secret.*$/, "");
    });

describe("the plan's secret-mark check", () => {
    const cases: [string, Record<string, unknown>, string[]][] = [
        [
            "a Docker env entry with a secret name",
            { envs: ["TZ=UTC", "APP_KEY=abc", "DB_HOST=db"] },
            ["r: input envs.[1] APP_KEY"],
        ],
        ["a Docker env list under a mark", { envs: new SecretValue(["APP_KEY=abc"]) }, []],
        [
            "a URL with a password in an env entry",
            { envs: ["REDIS_URL=redis://:pw@redis:6379"] },
            ["r: input envs.[0] REDIS_URL"],
        ],
        ["a URL without one", { envs: ["REDIS_URL=redis://redis:6379"] }, []],
        [
            "a flag, or a value that only contains =, is no env entry",
            { args: ["--port=5432", "--DB_PASSWORD=pw", "=APP_KEY"] },
            [],
        ],
        [
            "an env entry in a list in a list",
            { envs: [["TZ=UTC", "DB_PASSWORD=pw"]] },
            ["r: input envs.[0].[1] DB_PASSWORD"],
        ],
        [
            "a Kubernetes env entry, nested in arrays",
            {
                spec: {
                    containers: [
                        {
                            env: [
                                { name: "TZ", value: "UTC" },
                                { name: "DB_PASSWORD", value: "pw" },
                            ],
                        },
                    ],
                },
            },
            ["r: input spec.containers.[0].env.[1].DB_PASSWORD"],
        ],
        [
            "a Kubernetes env entry read from a Secret",
            { env: [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: {} } }] },
            [],
        ],
        [
            "a field named like a credential",
            { password: "pw", nested: { apiKey: "k" } },
            ["r: input password", "r: input nested.apiKey"],
        ],
        [
            "an empty, a null, an absent or a marked credential",
            { password: "", token: null, secret: undefined, credentials: new SecretValue("x") },
            [],
        ],
        ["a mark on a whole object covers what is inside", { login: new SecretValue({ password: "pw" }) }, []],
        ["a field that names where a secret is", { secretName: "db", tokenRef: "t" }, []],
    ];
    for (const [what, inputs, expected] of cases) {
        it(`${what}: ${expected.length ? expected.join("; ") : "nothing"}`, () => {
            assert.deepEqual(where(rendered(inputs)), expected);
        });
    }

    it("an unmarked stack output is searched, a marked one is not", () => {
        const outputs = {
            open: { value: { tenants: { crm: { password: "pw" } } }, secret: false, known: true },
            env: { value: ["APP_KEY=abc"], secret: false, known: true },
            sealed: { value: { password: "pw" }, secret: true, known: true },
        };
        assert.deepEqual(where(rendered({}, outputs)), [
            "stack output open.tenants.crm.password",
            "stack output env.[0] APP_KEY",
        ]);
    });
});
