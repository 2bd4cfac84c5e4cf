"""Reports: figures and (later) HTML reports; reads results only."""
