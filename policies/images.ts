/**
 * NocoBase images are pinned to a release, and every NocoBase process of a stack runs the same one:
 * the entry app and its workers share databases and a command channel, and a floating tag would
 * upgrade (and migrate) one process under the others.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { NOCOBASE_RELEASE } from "../components/core/identifiers";
import { isNocobaseImage, nocobaseWorkloads, parseImage, podContainers } from "./resources";
import { TYPES } from "../components/core/typeTokens";

export function imagePinProblem(ref: string): string | undefined {
    const { tag, digest } = parseImage(ref);
    if (digest) return undefined;
    if (tag === undefined) return `image ${ref} has no tag (Docker reads it as latest)`;
    if (!NOCOBASE_RELEASE.test(tag)) return `image ${ref}: tag ${tag} is not a pinned release like 2.2.15`;
    return undefined;
}

/** A Docker image's reference, or the images of anything with a pod template (a Job's too). */
function imagesOf(type: string, props: Record<string, unknown>): string[] {
    if (type === TYPES.dockerImage) return [String(props.name)];
    return podContainers(props).flatMap((c) => (c.image ? [c.image] : []));
}

export const imagePinned: ResourceValidationPolicy = {
    name: "nocobase-image-pinned",
    description: "NocoBase images carry a release tag (no latest, beta, alpha or missing tag) or a digest.",
    // A floating tag upgrades NocoBase, and migrates every tenant's data, on a container restart.
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: (args, report) => {
        for (const image of imagesOf(args.type, args.props)) {
            if (!isNocobaseImage(image)) continue;
            const problem = imagePinProblem(image);
            if (problem) report(problem);
        }
    },
};

export const sameVersion: StackValidationPolicy = {
    name: "nocobase-same-version",
    description: "The entry app and every environment run the same NocoBase image.",
    // Supervisor and workers share the app registry and Redis protocol of one release.
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, report) => {
        const byImage = new Map<string, PolicyResource["urn"][]>();
        for (const w of nocobaseWorkloads(args.resources))
            byImage.set(w.image, [...(byImage.get(w.image) ?? []), w.urn]);
        const [majority, ...others] = [...byImage.entries()].sort((a, b) => b[1].length - a[1].length);
        for (const [image, urns] of others)
            for (const urn of urns) report(`runs ${image}, but the other NocoBase processes run ${majority[0]}`, urn);
    },
};
