//! The descriptor pool against courier-idl (whose output is byte-identical to protoc's): every
//! file of the repository's `.proto` corpus links, and every element's resolved features are
//! the ones courier-idl's resolver (protoc's rules) computes.

use std::path::{Path, PathBuf};

use courier_reflect::{DescriptorPool, Kind};
use courier_types::{DescriptorProto, EnumDescriptorProto, FeatureSet, FileDescriptorProto};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/protos")
}

fn proto_files(dir: &Path, root: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            proto_files(&p, root, out);
        } else if p.extension().is_some_and(|x| x == "proto") {
            out.push(
                p.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}

/// The six features the pool resolves.
fn six(f: &FeatureSet) -> [Option<i32>; 6] {
    [
        f.field_presence,
        f.enum_type,
        f.repeated_field_encoding,
        f.utf8_validation,
        f.message_encoding,
        f.json_format,
    ]
}

struct Walk<'a> {
    compiled: &'a courier_idl::Compilation,
    pool: &'a DescriptorPool,
    file: &'a str,
    checked: usize,
}

impl Walk<'_> {
    fn expect(&mut self, path: &[i32], got: &FeatureSet, what: &str) {
        let want = self
            .compiled
            .resolved_features(self.file, path)
            .unwrap_or_else(|| panic!("{}: no element at {path:?}", self.file));
        assert_eq!(six(got), six(&want), "{}: {what} ({path:?})", self.file);
        self.checked += 1;
    }

    fn message(&mut self, m: &DescriptorProto, full: &str, path: &[i32]) {
        let desc = self.pool.get_message_by_name(full).unwrap();
        self.expect(path, &desc.features().to_feature_set(), full);
        for (i, f) in m.field.iter().enumerate() {
            let fd = desc.get_field_by_name(f.name.as_deref().unwrap()).unwrap();
            self.expect(
                &[path, &[2, i as i32]].concat(),
                &fd.features().to_feature_set(),
                fd.full_name(),
            );
        }
        for (i, o) in m.oneof_decl.iter().enumerate() {
            let od = desc
                .oneofs()
                .find(|x| Some(x.name()) == o.name.as_deref())
                .unwrap();
            self.expect(
                &[path, &[8, i as i32]].concat(),
                &od.features().to_feature_set(),
                od.full_name(),
            );
        }
        for (i, x) in m.extension.iter().enumerate() {
            let name = format!("{full}.{}", x.name.as_deref().unwrap());
            let xd = self.pool.get_extension_by_name(&name).unwrap();
            self.expect(
                &[path, &[6, i as i32]].concat(),
                &xd.features().to_feature_set(),
                &name,
            );
        }
        for (i, n) in m.nested_type.iter().enumerate() {
            let name = format!("{full}.{}", n.name.as_deref().unwrap());
            self.message(n, &name, &[path, &[3, i as i32]].concat());
        }
        for (i, e) in m.enum_type.iter().enumerate() {
            let name = format!("{full}.{}", e.name.as_deref().unwrap());
            self.enumeration(e, &name, &[path, &[4, i as i32]].concat());
        }
    }

    fn enumeration(&mut self, e: &EnumDescriptorProto, full: &str, path: &[i32]) {
        let desc = self.pool.get_enum_by_name(full).unwrap();
        self.expect(path, &desc.features().to_feature_set(), full);
        for (i, v) in desc.values().enumerate() {
            assert_eq!(Some(v.name()), e.value[i].name.as_deref());
            self.expect(
                &[path, &[2, i as i32]].concat(),
                &v.features().to_feature_set(),
                v.full_name(),
            );
        }
    }

    fn file(&mut self, f: &FileDescriptorProto) {
        let pkg = f.package.clone().unwrap_or_default();
        let q = |n: &str| {
            if pkg.is_empty() {
                n.to_owned()
            } else {
                format!("{pkg}.{n}")
            }
        };
        let fd = self.pool.get_file_by_name(self.file).unwrap();
        self.expect(&[], &fd.features().to_feature_set(), "file");
        for (i, m) in f.message_type.iter().enumerate() {
            self.message(m, &q(m.name.as_deref().unwrap()), &[4, i as i32]);
        }
        for (i, e) in f.enum_type.iter().enumerate() {
            self.enumeration(e, &q(e.name.as_deref().unwrap()), &[5, i as i32]);
        }
        for (i, x) in f.extension.iter().enumerate() {
            let xd = self
                .pool
                .get_extension_by_name(&q(x.name.as_deref().unwrap()))
                .unwrap();
            self.expect(
                &[7, i as i32],
                &xd.features().to_feature_set(),
                xd.full_name(),
            );
        }
    }
}

#[test]
fn corpus_links_and_features_match_courier_idl() {
    let root = corpus();
    let mut files = Vec::new();
    proto_files(&root, &root, &mut files);
    assert!(files.len() >= 50, "corpus has {} files", files.len());
    let mut total = 0;
    for name in &files {
        let mut c = courier_idl::Compiler::new();
        c.include(&root);
        let compiled = match c.compile(&[name.as_str()]) {
            Ok(c) => c,
            // Files the corpus keeps for the compiler's own error tests.
            Err(_) => continue,
        };
        let set = compiled.file_descriptor_set(true);
        let pool = DescriptorPool::from_file_descriptor_set(set.clone())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // The same set in reverse order links too (files wait for their imports).
        let mut reversed = set.clone();
        reversed.file.reverse();
        DescriptorPool::from_file_descriptor_set(reversed).unwrap();
        for f in &set.file {
            let mut w = Walk {
                compiled: &compiled,
                pool: &pool,
                file: f.name.as_deref().unwrap(),
                checked: 0,
            };
            w.file(f);
            total += w.checked;
        }
    }
    assert!(total > 2000, "checked {total} elements");
}

fn compile(files: &[(&str, &str)]) -> DescriptorPool {
    let mut c = courier_idl::Compiler::new();
    for (n, s) in files {
        c.add_file(*n, *s);
    }
    let names: Vec<&str> = files.iter().map(|(n, _)| *n).collect();
    let set = c.compile(&names).unwrap().file_descriptor_set(true);
    DescriptorPool::from_file_descriptor_set(set).unwrap()
}

#[test]
fn field_shapes() {
    let pool = compile(&[(
        "a.proto",
        r#"edition = "2023";
package p;
option features.repeated_field_encoding = EXPANDED;
message M {
  int32 a = 1;
  int32 b = 2 [features.field_presence = IMPLICIT];
  repeated int32 c = 3;
  repeated int32 d = 4 [features.repeated_field_encoding = PACKED];
  M e = 5 [features.message_encoding = DELIMITED];
  map<string, M> f = 6;
  oneof o { string g = 7; }
  E h = 8;
  CE i = 9;
  int32 j = 10 [default = 7];
  extensions 100 to 200;
}
enum E { E0 = 0; E1 = 1; }
enum CE { option features.enum_type = CLOSED; C1 = 1; }
extend M { repeated int32 x = 100; }
"#,
    )]);
    let m = pool.get_message_by_name("p.M").unwrap();
    let f = |n: &str| m.get_field_by_name(n).unwrap();
    assert!(f("a").supports_presence());
    assert!(!f("b").supports_presence());
    assert!(f("c").is_list() && !f("c").is_packed());
    assert!(f("d").is_packed());
    assert!(f("e").is_group());
    assert!(f("f").is_map() && !f("f").is_list() && !f("f").is_group());
    assert_eq!(f("g").containing_oneof().unwrap().name(), "o");
    assert!(!f("g").containing_oneof().unwrap().is_synthetic());
    assert_eq!(f("j").default_value().as_i32(), Some(7));
    let Kind::Enum(e) = f("h").kind() else {
        panic!()
    };
    assert!(!e.is_closed());
    let Kind::Enum(ce) = f("i").kind() else {
        panic!()
    };
    assert!(ce.is_closed());
    assert_eq!(f("i").default_value().as_enum_number(), Some(1));
    let x = pool.get_extension_by_name("p.x").unwrap();
    assert_eq!(x.containing_message(), m);
    assert!(!x.is_packed());
    assert_eq!(m.get_extension(100).unwrap(), x);
    assert_eq!(x.json_key(), "[p.x]");
    assert_eq!(
        m.fields_by_number().map(|f| f.number()).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<_>>()
    );
}

#[test]
fn proto3_optional_and_json_names() {
    let pool = compile(&[(
        "b.proto",
        r#"syntax = "proto3";
message N {
  optional int32 opt = 1;
  int32 plain_field = 2;
  string custom = 3 [json_name = "Custom-Name"];
  repeated int32 packed = 4;
  repeated int32 unpacked = 5 [packed = false];
}
"#,
    )]);
    let m = pool.get_message_by_name("N").unwrap();
    let opt = m.get_field(1).unwrap();
    assert!(opt.supports_presence());
    assert!(opt.containing_oneof().unwrap().is_synthetic());
    assert!(opt.real_oneof().is_none());
    let plain = m.get_field(2).unwrap();
    assert!(!plain.supports_presence());
    assert_eq!(plain.json_name(), "plainField");
    assert_eq!(m.get_field_by_json_name("plainField").unwrap(), plain);
    assert_eq!(m.get_field_by_json_name("Custom-Name").unwrap().number(), 3);
    assert!(m.get_field(4).unwrap().is_packed());
    assert!(!m.get_field(5).unwrap().is_packed());
}

#[test]
fn bad_descriptors_are_errors() {
    use courier_types::{DescriptorProto, FieldDescriptorProto, FileDescriptorProto};
    let field = |name: &str, number: i32, ty: i32, type_name: Option<&str>| FieldDescriptorProto {
        name: Some(name.into()),
        number: Some(number),
        label: Some(1),
        r#type: Some(ty),
        type_name: type_name.map(Into::into),
        ..Default::default()
    };
    let file = |fields: Vec<FieldDescriptorProto>| FileDescriptorProto {
        name: Some("x.proto".into()),
        package: Some("x".into()),
        message_type: vec![DescriptorProto {
            name: Some("M".into()),
            field: fields,
            ..Default::default()
        }],
        ..Default::default()
    };
    let add = |f: FileDescriptorProto| {
        DescriptorPool::new()
            .add_file_descriptor_proto(f)
            .map(|_| ())
    };
    // Unknown type, duplicate number, number out of range, bad type, missing import.
    let e = add(file(vec![field("a", 1, 11, Some(".x.Nope"))])).unwrap_err();
    assert!(e.to_string().contains("unknown type"), "{e}");
    let e = add(file(vec![field("a", 1, 5, None), field("b", 1, 5, None)])).unwrap_err();
    assert!(e.to_string().contains("both use number 1"), "{e}");
    let e = add(file(vec![field("a", 0, 5, None)])).unwrap_err();
    assert!(e.to_string().contains("out of range"), "{e}");
    let e = add(file(vec![field("a", 1, 99, None)])).unwrap_err();
    assert!(e.to_string().contains("invalid type"), "{e}");
    let mut f = file(vec![]);
    f.dependency.push("missing.proto".into());
    let e = add(f).unwrap_err();
    assert!(e.to_string().contains("not in the pool"), "{e}");
    // A failed add leaves the pool as it was: the good file can be added after a bad one.
    let mut pool = DescriptorPool::new();
    let mut bad = file(vec![field("a", 1, 11, Some(".x.Nope"))]);
    assert!(pool.add_file_descriptor_proto(bad.clone()).is_err());
    assert_eq!(pool.files().len(), 0);
    assert!(pool.get_message_by_name("x.M").is_none());
    bad.message_type[0].field[0] = field("a", 1, 5, None);
    pool.add_file_descriptor_proto(bad.clone()).unwrap();
    // The same file again is fine; a different one of the same name is not.
    pool.add_file_descriptor_proto(bad.clone()).unwrap();
    bad.message_type[0].field[0].number = Some(2);
    assert!(pool.add_file_descriptor_proto(bad).is_err());
    // Garbage bytes are an error, not a panic.
    assert!(DescriptorPool::decode(&[0x0a, 0x05, 0x0a]).is_err());
}

#[test]
fn files_added_one_by_one() {
    let mut c = courier_idl::Compiler::new();
    c.add_file(
        "base.proto",
        "syntax = \"proto2\";\npackage b;\nmessage Base { extensions 10 to 20; }\n",
    );
    c.add_file(
        "ext.proto",
        "syntax = \"proto2\";\npackage e;\nimport \"base.proto\";\nextend b.Base { optional int32 n = 10; }\nmessage User { optional b.Base base = 1; }\n",
    );
    let set = c.compile(&["ext.proto"]).unwrap().file_descriptor_set(true);
    let (base, ext) = (set.file[0].clone(), set.file[1].clone());
    let mut pool = DescriptorPool::new();
    // The importer first: its import is missing.
    let e = pool.add_file_descriptor_proto(ext.clone()).unwrap_err();
    assert!(e.to_string().contains("base.proto"), "{e}");
    let base_file = pool.add_file_descriptor_proto(base).unwrap();
    let old = pool.get_message_by_name("b.Base").unwrap();
    assert_eq!(old.extensions().len(), 0);
    pool.add_file_descriptor_proto(ext).unwrap();
    // New handles see the extension; ones taken before still see the pool as it was.
    let base_msg = pool.get_message_by_name("b.Base").unwrap();
    assert_eq!(
        base_msg
            .extensions()
            .map(|x| x.full_name().to_owned())
            .collect::<Vec<_>>(),
        ["e.n"]
    );
    assert_eq!(old.extensions().len(), 0);
    assert_eq!(base_file.messages().len(), 1);
    let user = pool.get_message_by_name("e.User").unwrap();
    let Kind::Message(m) = user.get_field(1).unwrap().kind() else {
        panic!()
    };
    assert_eq!(m, base_msg);
    assert_eq!(
        pool.files()
            .map(|f| f.name().to_owned())
            .collect::<Vec<_>>(),
        ["base.proto", "ext.proto"]
    );
    // A set round-trips through its encoding.
    let again = DescriptorPool::decode(&courier_wire::Message::encode_to_vec(
        &pool.file_descriptor_set(),
    ))
    .unwrap();
    assert!(again.get_extension_by_name("e.n").is_some());
}
