# shell helpers for tests
