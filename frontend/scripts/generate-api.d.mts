export const schemaPath: string;
export const typesPath: string;
export function renderTypes(): Promise<string>;
