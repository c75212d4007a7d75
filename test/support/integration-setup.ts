// Integration tests start real servers and wait for real workflows.
jest.setTimeout(120_000);
