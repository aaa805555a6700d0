"""The build pipeline behind build.py: fetch -> verify -> convert -> quantise -> gate -> bundle."""
