from readinglist.main import main

raise SystemExit(main())
