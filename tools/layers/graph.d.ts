export declare const LAYER_IMPORTS: Readonly<Record<string, readonly string[]>>;
export declare const WIRING_PATTERN: RegExp;
export declare const TEST_PATTERN: RegExp;
export declare const KNOWN_BREAKS: Readonly<Record<string, string>>;
export declare const KNOWN_CYCLES: Readonly<Record<string, string>>;
export declare function layerOf(path: string): string | undefined;
export declare function checkImports(imports: ReadonlyMap<string, readonly string[]>): string[];
export declare function folderCycles(
  imports: ReadonlyMap<string, readonly string[]>,
): { folders: string; imports: string }[];
