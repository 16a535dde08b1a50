/**
 * The offline policy runner (cli/harness/policyRun.ts) on a pack written here, over a handful of
 * registrations: what a policy is given (props as the policy SDK's server hands them, options,
 * provider, parent and dependencies), enforcement levels and config as `--policy-pack-config`
 * sets them, and how a policy that does not apply or that fails is reported. The real pack runs
 * over the sample stacks in test/policies/policies.spec.ts.
 */
import * as assert from "node:assert/strict";
import type { Policies, PolicyResource, ResourceValidationArgs } from "@pulumi/policy";
import { runPolicies } from "../../cli/harness/policyRun";
import { SecretValue } from "../../cli/harness/render";
import { registration } from "../support/registrations";

const STACK = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev";
const PROVIDER_URN = "urn:pulumi:dev::p::pulumi:providers:docker::local";

const CONTAINER = "docker:index/container:Container";

const provider = registration(
    "pulumi:providers:docker",
    "local",
    { host: "unix:///var/run/docker.sock" },
    { urn: PROVIDER_URN },
);
const component = registration(
    "nocobase-platform:index:NocoBasePlatform",
    "platform",
    {},
    { custom: false, parent: STACK },
);
const db = registration(CONTAINER, "db", {}, { parent: component.urn, provider: `${PROVIDER_URN}::id-1` });
const app = registration(
    CONTAINER,
    "app",
    { env: new SecretValue(["KEY=v"]), __defaults: [], name: "app" },
    {
        parent: component.urn,
        provider: `${PROVIDER_URN}::id-1`,
        dependencies: [db.urn, "urn:pulumi:dev::p::random:index/randomId:RandomId::not-registered"],
        protect: true,
        ignoreChanges: ["env"],
        deleteBeforeReplace: true,
        additionalSecretOutputs: ["env"],
    },
);
const REGISTRATIONS = [provider, component, db, app];

describe("the offline policy runner (cli/harness/policyRun.ts)", () => {
    it("gives a resource policy each custom resource as the SDK's server would: props revealed, internal keys dropped", async () => {
        const seen: ResourceValidationArgs[] = [];
        const pack: Policies = [{ name: "look", description: "d", validateResource: (args) => void seen.push(args) }];
        assert.deepEqual(await runPolicies(pack, REGISTRATIONS), []);
        assert.deepEqual(
            seen.map((a) => a.name),
            ["local", "db", "app"],
            "custom resources only, the component left out",
        );
        const appArgs = seen[2];
        assert.deepEqual(appArgs.props, { env: ["KEY=v"], name: "app" });
        assert.deepEqual(appArgs.opts, {
            protect: true,
            ignoreChanges: ["env"],
            deleteBeforeReplace: true,
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: ["env"],
            parent: component.urn,
        });
        assert.deepEqual(appArgs.provider, {
            type: "pulumi:providers:docker",
            props: { host: "unix:///var/run/docker.sock" },
            urn: PROVIDER_URN,
            name: "local",
        });
        assert.equal(seen[0].provider, undefined, "the default provider is none");
        assert.equal(seen[0].opts.parent, undefined, "no parent is undefined, not an empty URN");
        class Container {
            static __pulumiType = "docker:index/container:Container";
        }
        class Network {
            static __pulumiType = "docker:index/network:Network";
        }
        assert.ok(appArgs.isType(Container as never) && !appArgs.isType(Network as never));
        assert.deepEqual(appArgs.asType(Container as never), { env: ["KEY=v"], name: "app" });
        assert.equal(appArgs.asType(Network as never), undefined);
    });

    it("gives a stack policy every resource, with its parent and the dependencies that are registered", async () => {
        let resources: PolicyResource[] = [];
        const pack: Policies = [
            {
                name: "stack",
                description: "d",
                validateStack: (args) => {
                    resources = args.resources;
                },
            },
        ];
        await runPolicies(pack, REGISTRATIONS);
        assert.deepEqual(
            resources.map((r) => r.name),
            ["local", "platform", "db", "app"],
        );
        const byName = (n: string) => resources.find((r) => r.name === n)!;
        assert.equal(byName("app").parent, byName("platform"));
        assert.equal(byName("platform").parent, undefined, "the stack itself is not a resource");
        assert.deepEqual(byName("app").dependencies, [byName("db")]);
        assert.deepEqual(byName("app").props, { env: ["KEY=v"], name: "app" });
        assert.equal(byName("app").provider?.name, "local");
        class Container {
            static __pulumiType = "docker:index/container:Container";
        }
        assert.deepEqual(byName("app").asType(Container as never), { env: ["KEY=v"], name: "app" });
        assert.equal(byName("platform").asType(Container as never), undefined);
        assert.ok(byName("app").isType(Container as never) && !byName("platform").isType(Container as never));
    });

    it("reports each violation at its resource, at the policy's level, and a stack policy's where it says", async () => {
        const pack: Policies = [
            {
                name: "no-app",
                description: "d",
                enforcementLevel: "mandatory",
                validateResource: (args, report) => {
                    if (args.name === "app") report("app is not allowed");
                },
            },
            {
                name: "whole",
                description: "d",
                validateStack: (_args, report) => {
                    report("somewhere");
                    report("there", db.urn);
                },
            },
        ];
        assert.deepEqual(await runPolicies(pack, REGISTRATIONS), [
            { policy: "no-app", enforcementLevel: "mandatory", message: "app is not allowed", urn: app.urn },
            { policy: "whole", enforcementLevel: "advisory", message: "somewhere", urn: undefined },
            { policy: "whole", enforcementLevel: "advisory", message: "there", urn: db.urn },
        ]);
    });

    it("takes levels from the config over the policy's own; remediate reports as mandatory, disabled does not run", async () => {
        const ran: string[] = [];
        const policy = (name: string, enforcementLevel?: "advisory" | "mandatory" | "remediate") => ({
            name,
            description: "d",
            enforcementLevel,
            validateStack: (_args: unknown, report: (m: string) => void) => {
                ran.push(name);
                report(name);
            },
        });
        const findings = await runPolicies(
            [policy("a", "mandatory"), policy("b"), policy("c", "remediate"), policy("d", "mandatory")],
            REGISTRATIONS,
            { config: { a: { enforcementLevel: "advisory" }, d: { enforcementLevel: "disabled" } } },
        );
        assert.deepEqual(
            findings.map((f) => [f.policy, f.enforcementLevel]),
            [
                ["a", "advisory"],
                ["b", "advisory"],
                ["c", "mandatory"],
            ],
        );
        assert.deepEqual(ran, ["a", "b", "c"]);
    });

    it("gives a policy its schema's defaults under the configured values, without the level", async () => {
        const configs: unknown[] = [];
        const pack: Policies = [
            {
                name: "configured",
                description: "d",
                configSchema: {
                    properties: {
                        maxApps: { type: "number", default: 50 },
                        region: { type: "string", default: "eu" },
                        note: { type: "string" },
                    },
                },
                validateStack: (args) => void configs.push(args.getConfig()),
            },
        ];
        await runPolicies(pack, REGISTRATIONS);
        await runPolicies(pack, REGISTRATIONS, {
            config: { configured: { enforcementLevel: "mandatory", region: "us" } },
        });
        assert.deepEqual(configs, [
            { maxApps: 50, region: "eu" },
            { maxApps: 50, region: "us" },
        ]);
    });

    it("passes the stack's tags", async () => {
        let tags: ReadonlyMap<string, string> | undefined;
        const pack: Policies = [
            { name: "t", description: "d", validateResource: (args) => void (tags = args.stackTags) },
        ];
        const stackTags = new Map([["env", "prod"]]);
        await runPolicies(pack, REGISTRATIONS, { stackTags });
        assert.equal(tags, stackTags);
        await runPolicies(pack, REGISTRATIONS);
        assert.equal(tags?.size, 0, "no tags: an empty map");
    });

    it("goes on past a resource or stack a policy does not apply to, and names a policy that fails", async () => {
        const checked: string[] = [];
        const pack: Policies = [
            {
                name: "some",
                description: "d",
                validateResource: [
                    (args) => {
                        if (args.name === "local") args.notApplicable("a provider");
                        checked.push(args.name);
                    },
                    (args, report) => report(`second on ${args.name}`),
                ],
            },
            { name: "skip", description: "d", validateStack: (args) => args.notApplicable("nothing to check") },
        ];
        const findings = await runPolicies(pack, REGISTRATIONS);
        assert.deepEqual(checked, ["db", "app"]);
        assert.equal(findings.length, 3, "every validation of the list runs, on every resource");

        const broken: Policies = [
            {
                name: "broken",
                description: "d",
                validateResource: () => {
                    throw new TypeError("cannot read x of undefined");
                },
            },
        ];
        await assert.rejects(
            runPolicies(broken, REGISTRATIONS),
            /^Error: policy broken failed: cannot read x of undefined$/,
        );
    });
});
