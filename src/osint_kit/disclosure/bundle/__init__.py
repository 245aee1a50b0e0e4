"""Authorised evidence bundles: BagIt 1.0 bags that verify without the case."""
