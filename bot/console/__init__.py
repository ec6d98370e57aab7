"""The offline console: the same commands and services as on Discord, in a terminal."""
