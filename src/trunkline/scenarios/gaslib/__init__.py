"""GasLib network instances (CC BY 3.0, gaslib.zib.de); see README.md in this folder."""
