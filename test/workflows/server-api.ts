// Workflows for the server-api conformance tests.
export {};
