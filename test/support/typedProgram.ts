/**
 * The program (index.ts) with one difference: the validated configuration passes through the edit a
 * test set (typedStacks.ts) before the platform is built. It renders typed fields that the stack
 * file's schema does not take yet, exactly as the program would build them.
 */
import { NocoBasePlatform } from "../../components/platform";
import { loadPlatformConfig } from "../../components/config/load";
import { currentTypedEdit } from "./typedEdit";

const platform = new NocoBasePlatform("platform", { config: currentTypedEdit()(loadPlatformConfig()) });

export const entryUrl = platform.entryUrl;
export const status = platform.status;
export const databases = platform.databases;
