from readinglist.bench.run import main

raise SystemExit(main())
