"""Discord: the bot subclass, cogs, views and rendering. The only package that imports discord."""
