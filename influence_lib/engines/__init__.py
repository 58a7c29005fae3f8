"""Computing engines: the default pandas engine lives in scoring/scope; the dask engine and the hive posts layout here.

- :mod:`~influence_lib.engines.hive`: the posts as ``posts/month=YYYY-MM/*.parquet`` (writer, listing);
- :mod:`~influence_lib.engines.dask_posts`: pieces of the posts read, validated and scored by Dask workers;
- :mod:`~influence_lib.engines.dask_scope`: the scored scope built on a Dask cluster (``rank --engine dask``).

Dask is an optional extra (``pip install 'influence[dask]'``): only ``dask_scope`` and
:mod:`influence_lib.scheduling` import it, and only when it is used.
"""

ENGINES = ("pandas", "dask")
