"""The only SQL in Storyteller: one connection, explicit transactions, repositories."""
