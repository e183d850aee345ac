import sys; sys.path.insert(0, "scripts")
from nb import write
DEP = ':dep galaxy-lab = { path = "../.." }'
write("tests/notebooks/broken_compile.ipynb", [("md", "Deliberately broken: a type error. The runner must fail."), ("code", 'let x: i32 = "not a number";'), ("code", 'println!("should not matter");')])
write("tests/notebooks/broken_panic_plain.ipynb", [("md", "Deliberately broken: a panic without galaxy-lab's hook. The runner must fail on the 'panicked at' text."), ("code", 'let v: Vec<i32> = Vec::new();\nprintln!("{}", v[3]);'), ("code", 'println!("later cell still runs");')])
write("tests/notebooks/broken_panic_hook.ipynb", [("md", "Deliberately broken: a panic after `setup()` installed the hook. The kernel stops; the runner must fail."), ("code", DEP), ("code", "use galaxy_lab::prelude::*;\nlet _s = setup();"), ("code", 'let r: Result<f64> = Err(Error::invalid("q", -1, "must be > 0"));\nr.unwrap();'), ("code", 'println!("never reached");')])
write("tests/notebooks/broken_question_mark.ipynb", [("md", "Deliberately broken: a galaxy-lab error propagated with `?`. The runner must fail."), ("code", DEP), ("code", "use galaxy_lab::prelude::*;\nlet d = SersicDisc::new(1.0, 1.0, 5.0, 0.0)?;")])
