"""The domain: stories, ratings, installments and pacing. Pure Python, no I/O."""
