"""The pipeline: building the store from the open-data bundle and the catalog's reference
tables (:mod:`.build`), and importing official releases and users' tables into it
(:mod:`.imports`). It sits below the catalog because the build writes the catalog's
tables into the store; everything above it reads the store through :mod:`critmin.store`."""
