/** ganbench's version, recorded in every result. */
export const GANBENCH_VERSION = "0.1.0";
