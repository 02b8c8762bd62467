// Workflows for the activities conformance tests.
export {};
