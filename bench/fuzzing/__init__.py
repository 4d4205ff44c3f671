"""The fuzz bench's parts (bench/fuzz.py): which endpoints, what cases, how they are sent,
and what the database holds afterwards."""
