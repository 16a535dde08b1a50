/**
 * Rules a Kubernetes API server enforces on updates, held against the program's renders of the prod
 * stack before and after an edit. Found by the engine suite against real API servers
 * (test/engine/kubernetes.engine.spec.ts): a rule broken here is a `pulumi preview` that the API
 * server refuses.
 */
import * as assert from "node:assert/strict";
import type { Registration, Rendered } from "../../cli/harness/render";
import { EditableConfig, nonEmpty, ofType, renderStack } from "../support/stacks";

const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

interface Claim {
    name: string;
    namespace: string;
    accessModes: string[];
    storageClassName?: string;
}

/** Every claim a render sends, by the name the API server knows it by. */
function claims(rendered: Rendered): Map<string, Claim> {
    const out = new Map<string, Claim>();
    for (const r of rendered.registrations.filter((x: Registration) => x.type === PVC)) {
        const inputs = r.inputs as {
            metadata: { name: string; namespace: string };
            spec: { accessModes: string[]; storageClassName?: string };
        };
        out.set(`${r.provider}/${inputs.metadata.namespace}/${inputs.metadata.name}`, {
            name: inputs.metadata.name,
            namespace: inputs.metadata.namespace,
            accessModes: inputs.spec.accessModes,
            storageClassName: inputs.spec.storageClassName,
        });
    }
    return out;
}

const edits: Array<[string, (c: EditableConfig) => void]> = [
    ["an environment scaled from one replica to two", (c) => (c.environments[0].replicas = 2)],
    ["the entry app scaled from one replica to three", (c) => (c.entry.replicas = 3)],
    ["an environment scaled from two replicas to one", (c) => (c.environments[1].replicas = 1)],
];

describe("Kubernetes: edits the API server accepts", () => {
    let base: Rendered;
    before(async function () {
        this.timeout(60_000);
        base = await renderStack("prod", (c) => (c.environments[1].replicas = 2));
    });

    it("mounts a ReadWriteMany claim under several replicas and a ReadWriteOnce one under one", () => {
        const all = claims(base);
        const seen = new Set<number>();
        for (const d of nonEmpty(ofType(base, DEPLOYMENT), "Deployments")) {
            const { metadata, spec } = d.inputs as any;
            const claimName = spec.template.spec.volumes[0].persistentVolumeClaim.claimName;
            // Pods of one Deployment may land on different nodes: only RWX lets them all mount it.
            assert.deepEqual(
                all.get(`${d.provider}/${metadata.namespace}/${claimName}`)?.accessModes,
                [spec.replicas > 1 ? "ReadWriteMany" : "ReadWriteOnce"],
                `${d.name} (${spec.replicas} replicas) mounts ${claimName}`,
            );
            seen.add(spec.replicas);
        }
        assert.deepEqual([...seen].sort(), [1, 2], "both kinds rendered");
    });

    for (const [title, edit] of edits) {
        it(`${title}: no claim of the same name changes its access modes or class (the API server refuses: spec is immutable)`, async () => {
            const next = await renderStack("prod", (c) => {
                c.environments[1].replicas = 2;
                edit(c);
            });
            const before = claims(base);
            const after = claims(next);
            for (const [key, claim] of after) {
                const old = before.get(key);
                if (!old) continue;
                assert.deepEqual(claim.accessModes, old.accessModes, `${key}: accessModes changed under the same name`);
                assert.equal(
                    claim.storageClassName,
                    old.storageClassName,
                    `${key}: storageClassName changed under the same name`,
                );
            }
            assert.ok(
                [...after.keys()].some((k) => !before.has(k)),
                "the edit needs a claim of another access mode, under a name of its own",
            );
            // Each Deployment mounts a claim the render sends.
            for (const d of next.registrations.filter((r) => r.type === DEPLOYMENT)) {
                const spec = d.inputs as any;
                const claimName = spec.spec.template.spec.volumes[0].persistentVolumeClaim.claimName;
                assert.ok(
                    [...after.values()].some((c) => c.name === claimName && c.namespace === spec.metadata.namespace),
                    `${spec.metadata.name} mounts ${claimName}`,
                );
            }
        });
    }
});
