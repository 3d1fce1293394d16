export declare const SCANNED_FOLDERS: readonly string[];
export declare function scanImports(root: string): Map<string, string[]>;
