// Workflows for the lifecycle conformance tests.
export {};
