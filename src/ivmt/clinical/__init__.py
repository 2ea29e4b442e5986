"""IVMT clinical core: plain Python, no Django. See README.md in this folder."""
