"""Task updates in real time: the message envelope and channel, the hub, and `/ws`."""
