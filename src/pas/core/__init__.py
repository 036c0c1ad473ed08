"""The domain: pure value objects and errors; imports nothing of ours."""
